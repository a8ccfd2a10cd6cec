// The page-table pool: the only physical frames the guest may use as page
// tables. The guest reaches them through Unicorn MMIO, so the host sees every
// load and store. Per entry it keeps two values:
//   - the CPU view: what the guest last stored (and what its loads return);
//   - the walker view: what this machine's table walker may see, which the
//     lazy-MMU model advances at barriers.
// Per frame it records the level and VA range the frame translates, learnt
// when a table descriptor pointing at it becomes visible to the walker (for
// a user tree, once its root is first loaded into TTBR0_EL1), and its tree's root.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "pgtable/descriptor.h"
#include "pgtable/frame_array.h"

namespace lmemu::pgtable {

class TablePool {
public:
    struct FrameInfo {
        int level = -1;  // -1: not (yet) linked into the walker view
        VirtAddr va_base;
        PhysAddr root;  // the top table of its tree: for a user (TTBR0) tree, which address space it is
    };

    TablePool(PhysAddr base, uint64_t size)
        : base_(base), size_(size), entries_(size / kPageSize), frames_(size / kPageSize) {}

    PhysAddr base() const { return base_; }
    uint64_t size() const { return size_; }
    bool contains(PhysAddr pa) const { return pa.value >= base_.value && pa.value - base_.value < size(); }
    size_t index_of(PhysAddr entry) const { return (entry.value - base_.value) / 8; }
    PhysAddr address_of(size_t index) const { return PhysAddr{base_.value + index * 8}; }

    uint64_t cpu(size_t index) const { return entries_.get(index).cpu; }
    // The CPU view of the entry at `entry`, for host walks; nullopt outside the pool.
    std::optional<uint64_t> cpu_entry(PhysAddr entry) const {
        if (!contains(entry)) return std::nullopt;
        return cpu(index_of(entry));
    }
    void set_cpu(size_t index, uint64_t value) { entries_.at(index).cpu = value; }
    uint64_t walker(size_t index) const { return entries_.get(index).walker; }
    void set_walker(size_t index, uint64_t value) { entries_.at(index).walker = value; }
    // Host-side initialisation (boot tables, freshly allocated frames): both views at once.
    void set_both(size_t index, uint64_t value) { entries_.at(index) = {value, value}; }

    // Little-endian byte access to the CPU view, for MMIO callbacks (up to 4
    // bytes at a time) and host reads; `offset` is from the pool base.
    uint64_t read_bytes(uint64_t offset, unsigned size) const {
        uint64_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= byte(offset + i) << (8 * i);
        return v;
    }
    void write_bytes(uint64_t offset, unsigned size, uint64_t value) {
        for (unsigned i = 0; i < size; ++i) {
            const unsigned shift = 8 * ((offset + i) % 8);
            uint64_t& e = entries_.at((offset + i) / 8).cpu;
            e = (e & ~(uint64_t{0xff} << shift)) | (((value >> (8 * i)) & 0xff) << shift);
        }
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

    template <class Hasher>
    void hash_state(Hasher& h) const {
        entries_.hash_state(h);
        std::vector<uint64_t> info;
        info.reserve(2 * frames_.size());
        for (const FrameInfo& f : frames_) {
            info.push_back(static_cast<uint64_t>(f.level));
            info.push_back(f.va_base.value);
            info.push_back(f.root.value);
        }
        h.add(info);
    }

    void clear_frame(PhysAddr frame_pa) {
        entries_.reset_frame((frame_pa.value - base_.value) / kPageSize);
        frame(frame_pa) = {};
    }

private:
    struct Entry {
        uint64_t cpu = 0, walker = 0;
    };
    uint64_t byte(uint64_t offset) const { return (cpu(offset / 8) >> (8 * (offset % 8))) & 0xff; }

    PhysAddr base_;
    uint64_t size_;
    FrameArray<Entry> entries_;
    std::vector<FrameInfo> frames_;
};

}  // namespace lmemu::pgtable
