#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>

#include "allocator/buddy.h"

using namespace lmemu::allocator;

TEST_CASE("buddy: no frame is handed out twice, and everything coalesces back") {
    BuddyAllocator b(0x40000, 4096);
    b.release_range(0x40000, 4096);
    CHECK(b.free_frames() == 4096);
    CHECK(b.free_blocks(kMaxOrder) == 4);  // 4096 frames = four order-10 blocks

    std::mt19937 rng(7);
    std::set<uint64_t> owned;
    std::vector<std::pair<uint64_t, unsigned>> live;
    for (int i = 0; i < 300; ++i) {
        const unsigned order = rng() % 4;
        const auto pfn = b.alloc(order);
        REQUIRE(pfn);
        CHECK((*pfn - 0x40000) % (1u << order) == 0);  // naturally aligned
        for (uint64_t f = *pfn; f < *pfn + (1u << order); ++f) {
            CHECK(owned.insert(f).second);  // never twice
            CHECK(b.state(f) == PageState::Allocated);
        }
        live.emplace_back(*pfn, order);
    }
    std::shuffle(live.begin(), live.end(), rng);
    for (auto [pfn, order] : live) CHECK(b.free(pfn, order) == FreeResult::Ok);
    CHECK(b.free_frames() == 4096);
    CHECK(b.free_blocks(kMaxOrder) == 4);
    for (unsigned o = 0; o < kMaxOrder; ++o) CHECK(b.free_blocks(o) == 0);
}

TEST_CASE("buddy: splitting takes the lowest block, freeing merges buddies") {
    BuddyAllocator b(0, 4);
    b.release_range(0, 4);
    CHECK(b.alloc(0) == 0u);
    CHECK(b.alloc(0) == 1u);
    CHECK(b.alloc(1) == 2u);
    CHECK_FALSE(b.alloc(0));  // exhausted
    CHECK(b.free(1, 0) == FreeResult::Ok);
    CHECK(b.free(0, 0) == FreeResult::Ok);
    CHECK(b.free_blocks(1) == 1);  // 0 and 1 merged
    CHECK(b.free(2, 1) == FreeResult::Ok);
    CHECK(b.free_blocks(2) == 1);  // and with 2..3
}

TEST_CASE("buddy: double free, wrong order and foreign frames are refused") {
    BuddyAllocator b(0x100, 16);
    b.release_range(0x100, 16);
    const auto p = b.alloc(2);
    REQUIRE(p);
    CHECK(b.free(*p, 1) == FreeResult::WrongOrder);
    CHECK(b.free(*p, 2) == FreeResult::Ok);
    CHECK(b.free(*p, 2) == FreeResult::NotAllocated);
    CHECK(b.free(0x5000, 0) == FreeResult::BadAddress);
    CHECK_FALSE(b.alloc(kMaxOrder + 1));
}

TEST_CASE("buddy: reserved frames are never handed out") {
    BuddyAllocator b(0, 8);
    b.release_range(4, 4);
    for (int i = 0; i < 4; ++i) CHECK(*b.alloc(0) >= 4u);
    CHECK_FALSE(b.alloc(0));
    CHECK(b.state(0) == PageState::Reserved);
}

TEST_CASE("buddy: a tail page, a reserved frame or a frame of the other kind is refused, and nothing is given out twice") {
    BuddyAllocator b(0x100, 16);
    b.release_range(0x104, 12);  // 0x100..0x103 stay reserved (the kernel image)
    const auto block = b.alloc(2);
    REQUIRE(block);
    CHECK(b.free(*block + 1, 0) == FreeResult::TailPage);
    CHECK(b.free(*block + 2, 1) == FreeResult::TailPage);
    CHECK(b.free(0x101, 0) == FreeResult::Reserved);
    CHECK(b.free(*block, 2, PageState::PageTable) == FreeResult::WrongKind);
    const auto table = b.alloc(0, PageState::PageTable);
    REQUIRE(table);
    CHECK(b.free(*table, 0) == FreeResult::WrongKind);
    // The refused frees changed nothing: every frame left is handed out once.
    std::set<uint64_t> given{*block, *block + 1, *block + 2, *block + 3, *table};
    while (const auto p = b.alloc(0)) CHECK(given.insert(*p).second);
    CHECK(given.size() == 12);
}
