// A binary buddy allocator over a range of physical frames (orders 0..10),
// as Linux's mm/page_alloc.c: split on allocation, coalesce on free. It also
// keeps each frame's state, which fault reports use to say what a faulting
// address was ("page freed", "page-table frame"), and the DEBUG_PAGEALLOC
// view of whether a frame is mapped in the linear map.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string_view>
#include <type_traits>
#include <vector>

namespace lmemu::allocator {

inline constexpr unsigned kMaxOrder = 10;

enum class PageState : uint8_t { Free, Allocated, PageTable, Reserved };
std::string_view to_string(PageState s);

// Why a free is refused, as Linux's free_pages_check()/bad_page() would.
enum class FreeResult {
    Ok,
    NotAllocated,  // free already: a double free
    Reserved,      // never given out: the kernel image, mem_map
    WrongKind,     // a page-table frame freed as a page, or the other way round
    TailPage,      // inside a higher-order block, not its head
    WrongOrder,    // the block's head, with another order than it was allocated with
    BadAddress,    // not a managed frame, or not aligned to the order
};
// "page dumped because: ..." text for a refusal.
std::string_view to_string(FreeResult r);

class BuddyAllocator {
public:
    // Frames [base_pfn, base_pfn + nr_frames) are managed; all start Reserved.
    BuddyAllocator(uint64_t base_pfn, uint64_t nr_frames);

    // Hands frames [pfn, pfn + count) to the free lists (they become Free).
    void release_range(uint64_t pfn, uint64_t count);

    // Returns the first pfn of 2^order frames, naturally aligned, or nullopt.
    // Deterministic: always the lowest suitable block.
    std::optional<uint64_t> alloc(unsigned order, PageState as = PageState::Allocated);
    // Frees a block allocated with `order` as `as`; anything else is refused
    // and changes nothing, so no frame is ever handed out twice.
    FreeResult free(uint64_t pfn, unsigned order, PageState as = PageState::Allocated);

    bool manages(uint64_t pfn) const { return pfn >= base_ && pfn - base_ < nr_; }
    PageState state(uint64_t pfn) const { return frames_[pfn - base_].state; }
    uint64_t free_frames() const { return free_frames_; }
    size_t free_blocks(unsigned order) const { return free_[order].size(); }

    template <class Hasher>
    void hash_state(Hasher& h) const {
        static_assert(std::has_unique_object_representations_v<Frame>, "hashed as bytes: no padding");
        h.bytes(frames_.data(), frames_.size() * sizeof(Frame));
        for (const auto& list : free_) {
            h.add(list.size());
            for (const uint64_t pfn : list) h.add(pfn);
        }
    }

private:
    struct Frame {
        PageState state = PageState::Reserved;
        bool head = false;  // the first frame of an allocated block
        uint8_t order = 0;  // of the allocation that starts here
    };
    void insert_free(uint64_t pfn, unsigned order);

    uint64_t base_, nr_;
    std::vector<Frame> frames_;
    std::set<uint64_t> free_[kMaxOrder + 1];  // ordered: lowest block first, for determinism
    uint64_t free_frames_ = 0;
};

}  // namespace lmemu::allocator
