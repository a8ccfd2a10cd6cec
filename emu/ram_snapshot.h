// Guest RAM as it was at BOOTED, and the cheapest way to put it back.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lmemu::emu {

class StateHasher;

// Takes over a RAM range: afterwards the range is a private mapping of a
// memory file holding its current contents, so every page a run writes
// becomes an anonymous copy and every other page still is the file's.
//
// restore() finds those copies with PAGEMAP_SCAN (Linux 6.7) and copies the
// file's pages back over them: no page of the range is unmapped, so the next
// run takes no page faults on what the last one touched. On a host without
// PAGEMAP_SCAN it drops them with MADV_DONTNEED, which gives the same bytes
// for one page fault per page touched per run.
class RamSnapshot {
public:
    RamSnapshot(uint8_t* ram, size_t size);
    ~RamSnapshot();
    RamSnapshot(const RamSnapshot&) = delete;
    RamSnapshot& operator=(const RamSnapshot&) = delete;

    void restore();
    // Hashes every page that differs from the snapshot, with its address,
    // lowest first: equal RAM hashes alike whichever pages were written
    // back to what they held. Needs PAGEMAP_SCAN (scan_supported()).
    void hash_changed(StateHasher& h) const;
    // Pages restore() last copied back (0 where MADV_DONTNEED is used).
    size_t pages_copied() const { return pages_copied_; }
    static bool scan_supported();

private:
    // Calls fn(offset, length) for each run of pages a write has copied, lowest first.
    template <class Fn>
    void for_each_copied(Fn&& fn) const;
    uint8_t* ram_;
    size_t size_;
    const uint8_t* booted_ = nullptr;  // a read-only shared view of the memory file
    size_t pages_copied_ = 0;
};

}  // namespace lmemu::emu
