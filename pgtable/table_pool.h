// The page-table pool: the only physical frames the guest may use as page
// tables. The guest reaches them through Unicorn MMIO, so the host sees every
// load and store. Per entry it keeps two values:
//   - the CPU view: what the guest last stored (and what its loads return);
//   - the walker view: what this machine's table walker may see, which the
//     lazy-MMU model advances at barriers.
// Per frame it records the level and VA range the frame translates, learnt
// when a table descriptor pointing at it becomes visible to the walker.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "pgtable/descriptor.h"

namespace lmemu::pgtable {

class TablePool {
public:
    struct FrameInfo {
        int level = -1;  // -1: not (yet) linked into the walker view
        VirtAddr va_base;
    };

    TablePool(PhysAddr base, uint64_t size)
        : base_(base), cpu_(size / 8, 0), walker_(size / 8, 0), frames_(size / kPageSize) {}

    PhysAddr base() const { return base_; }
    uint64_t size() const { return cpu_.size() * 8; }
    size_t entries() const { return cpu_.size(); }
    bool contains(PhysAddr pa) const { return pa.value >= base_.value && pa.value - base_.value < size(); }
    size_t index_of(PhysAddr entry) const { return (entry.value - base_.value) / 8; }
    PhysAddr address_of(size_t index) const { return PhysAddr{base_.value + index * 8}; }

    uint64_t cpu(size_t index) const { return cpu_[index]; }
    void set_cpu(size_t index, uint64_t value) { cpu_[index] = value; }
    uint64_t walker(size_t index) const { return walker_[index]; }
    void set_walker(size_t index, uint64_t value) { walker_[index] = value; }
    // Host-side initialisation (boot tables, freshly allocated frames): both views at once.
    void set_both(size_t index, uint64_t value) { cpu_[index] = walker_[index] = value; }

    // Byte access for MMIO callbacks, which come in pieces of up to 4 bytes.
    uint64_t read_bytes(uint64_t offset, unsigned size) const {
        uint64_t v = 0;
        std::memcpy(&v, reinterpret_cast<const uint8_t*>(cpu_.data()) + offset, size);
        return v;
    }
    void write_bytes(uint64_t offset, unsigned size, uint64_t value) {
        std::memcpy(reinterpret_cast<uint8_t*>(cpu_.data()) + offset, &value, size);
    }

    FrameInfo& frame_of_entry(size_t index) { return frames_[index / kEntriesPerTable]; }
    FrameInfo& frame(PhysAddr pa) { return frames_[(pa.value - base_.value) / kPageSize]; }

    // The VA range entry `index` translates, if its frame is linked in.
    bool entry_span(size_t index, int& level, VirtAddr& va, uint64_t& span) const {
        const FrameInfo& f = frames_[index / kEntriesPerTable];
        if (f.level < 0) return false;
        level = f.level;
        span = level_span(level);
        va = VirtAddr{f.va_base.value + (index % kEntriesPerTable) * span};
        return true;
    }

    void clear_frame(PhysAddr frame_pa) {
        const size_t first = index_of(frame_pa);
        for (size_t i = 0; i < kEntriesPerTable; ++i) set_both(first + i, 0);
        frame(frame_pa) = {};
    }

private:
    PhysAddr base_;
    std::vector<uint64_t> cpu_;
    std::vector<uint64_t> walker_;
    std::vector<FrameInfo> frames_;
};

}  // namespace lmemu::pgtable
