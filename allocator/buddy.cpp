#include "allocator/buddy.h"

namespace lmemu::allocator {

std::string_view to_string(PageState s) {
    switch (s) {
    case PageState::Free: return "free";
    case PageState::Allocated: return "allocated";
    case PageState::PageTable: return "page-table";
    case PageState::Reserved: return "reserved";
    }
    return "?";
}

std::string_view to_string(FreeResult r) {
    switch (r) {
    case FreeResult::Ok: return "ok";
    case FreeResult::NotAllocated: return "the page is free already (double free)";
    case FreeResult::Reserved: return "the page is reserved (PG_reserved: the kernel image or mem_map)";
    case FreeResult::WrongKind: return "a page-table page freed as a page, or a page freed as a page table";
    case FreeResult::TailPage: return "a tail page of a higher-order block (PageTail): only its head can be freed";
    case FreeResult::WrongOrder: return "freed with another order than it was allocated with";
    case FreeResult::BadAddress: return "not a frame of this allocator, or not aligned to the order";
    }
    return "?";
}

BuddyAllocator::BuddyAllocator(uint64_t base_pfn, uint64_t nr_frames)
    : base_(base_pfn), nr_(nr_frames), frames_(nr_frames) {}

void BuddyAllocator::insert_free(uint64_t pfn, unsigned order) {
    // Coalesce with the buddy while it is free at the same order.
    while (order < kMaxOrder) {
        const uint64_t buddy = ((pfn - base_) ^ (uint64_t{1} << order)) + base_;
        if (!manages(buddy) || buddy + (uint64_t{1} << order) > base_ + nr_) break;
        auto it = free_[order].find(buddy);
        if (it == free_[order].end()) break;
        free_[order].erase(it);
        pfn = std::min(pfn, buddy);
        ++order;
    }
    free_[order].insert(pfn);
}

void BuddyAllocator::release_range(uint64_t pfn, uint64_t count) {
    for (uint64_t i = 0; i < count; ++i) frames_[pfn + i - base_].state = PageState::Free;
    free_frames_ += count;
    // Largest naturally aligned blocks first, as memblock hands memory to the buddy allocator.
    const uint64_t end = pfn + count;
    while (pfn < end) {
        unsigned order = 0;
        while (order < kMaxOrder && ((pfn - base_) & ((uint64_t{2} << order) - 1)) == 0 &&
               pfn + (uint64_t{2} << order) <= end)
            ++order;
        insert_free(pfn, order);
        pfn += uint64_t{1} << order;
    }
}

std::optional<uint64_t> BuddyAllocator::alloc(unsigned order, PageState as) {
    if (order > kMaxOrder) return std::nullopt;
    unsigned o = order;
    while (o <= kMaxOrder && free_[o].empty()) ++o;
    if (o > kMaxOrder) return std::nullopt;
    const uint64_t pfn = *free_[o].begin();
    free_[o].erase(free_[o].begin());
    // Split: keep the low half, return the high halves to the free lists.
    while (o > order) {
        --o;
        free_[o].insert(pfn + (uint64_t{1} << o));
    }
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) {
        frames_[pfn + i - base_].state = as;
        frames_[pfn + i - base_].head = i == 0;
    }
    frames_[pfn - base_].order = static_cast<uint8_t>(order);
    free_frames_ -= uint64_t{1} << order;
    return pfn;
}

FreeResult BuddyAllocator::free(uint64_t pfn, unsigned order, PageState as) {
    if (!manages(pfn) || order > kMaxOrder) return FreeResult::BadAddress;
    const Frame& f = frames_[pfn - base_];
    if (f.state == PageState::Free) return FreeResult::NotAllocated;
    if (f.state == PageState::Reserved) return FreeResult::Reserved;
    if (f.state != as) return FreeResult::WrongKind;
    if (!f.head) return FreeResult::TailPage;
    if (f.order != order) return FreeResult::WrongOrder;
    for (uint64_t i = 0; i < (uint64_t{1} << order); ++i) {
        frames_[pfn + i - base_].state = PageState::Free;
        frames_[pfn + i - base_].head = false;
    }
    free_frames_ += uint64_t{1} << order;
    insert_free(pfn, order);
    return FreeResult::Ok;
}

}  // namespace lmemu::allocator
