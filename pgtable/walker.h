// The host's own stage-1 walker. It reads entries through a callback so the
// same walk serves the CPU view, the walker view and raw memory, and it
// reports every level it visited, which is what a fault report needs.
#pragma once

#include <array>
#include <optional>

#include "pgtable/descriptor.h"

namespace lmemu::pgtable {

enum class WalkOutcome {
    Mapped,            // a page or block descriptor translated the address
    TranslationFault,  // an invalid entry at `level`
    BadDescriptor,     // a reserved encoding or a table outside readable memory
};

struct WalkStep {
    int level = 0;
    PhysAddr entry;  // where the descriptor lives
    Pte pte;
};

struct Walk {
    WalkOutcome outcome = WalkOutcome::TranslationFault;
    std::array<WalkStep, kLevels> steps{};
    int depth = 0;  // steps used
    PhysAddr pa;    // the translated address, if Mapped

    const WalkStep& last() const { return steps[depth - 1]; }
    int level() const { return depth ? last().level : 0; }
    bool mapped() const { return outcome == WalkOutcome::Mapped; }
};

// Reader: std::optional<uint64_t>(PhysAddr entry) - nullopt if unreadable.
template <class Reader>
Walk walk(PhysAddr root, VirtAddr va, Reader&& read_entry) {
    Walk w;
    PhysAddr table = root;
    for (int level = 0; level < kLevels; ++level) {
        const PhysAddr entry{table.page_base() + 8 * va.index(level)};
        const std::optional<uint64_t> raw = read_entry(entry);
        if (!raw) {
            w.outcome = WalkOutcome::BadDescriptor;
            return w;
        }
        const Pte pte{*raw};
        w.steps[w.depth++] = {level, entry, pte};
        switch (pte.type(level)) {
        case DescType::Invalid:
            w.outcome = WalkOutcome::TranslationFault;
            return w;
        case DescType::Reserved:
            w.outcome = WalkOutcome::BadDescriptor;
            return w;
        case DescType::Table:
            table = pte.output_address();
            continue;
        case DescType::Block:
        case DescType::Page: {
            const uint64_t span = level_span(level);
            w.outcome = WalkOutcome::Mapped;
            w.pa = PhysAddr{(pte.output_address().value & ~(span - 1)) | (va.value & (span - 1))};
            return w;
        }
        }
    }
    return w;
}

}  // namespace lmemu::pgtable
