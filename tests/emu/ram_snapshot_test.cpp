#include <doctest/doctest.h>

#include <sys/mman.h>

#include <cstring>

#include "emu/ram_snapshot.h"

using namespace lmemu::emu;

namespace {
constexpr size_t kPage = 4096, kSize = 64 * kPage;

struct Ram {
    uint8_t* p = static_cast<uint8_t*>(mmap(nullptr, kSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    ~Ram() { munmap(p, kSize); }
};
}  // namespace

TEST_CASE("ram_snapshot: restore gives back the snapshot's bytes, written pages and never-touched ones alike") {
    Ram ram;
    std::memset(ram.p + 3 * kPage, 0x33, kPage);  // booted contents in pages 3 and 9
    std::memset(ram.p + 9 * kPage, 0x99, kPage);
    RamSnapshot snap(ram.p, kSize);

    for (int run = 0; run < 3; ++run) {
        ram.p[3 * kPage + 17] = 1;    // a booted page changed
        ram.p[20 * kPage] = 2;        // a page boot never touched
        ram.p[9 * kPage - 1] = 3;     // the byte before a booted page
        (void)*(volatile uint8_t*)(ram.p + 40 * kPage);  // read only: stays the file's page
        snap.restore();
        CHECK(ram.p[3 * kPage + 17] == 0x33);
        CHECK(ram.p[20 * kPage] == 0);
        CHECK(ram.p[9 * kPage - 1] == 0);
        CHECK(ram.p[9 * kPage] == 0x99);
        CHECK(ram.p[40 * kPage] == 0);
        // What a run writes is exactly what the scan finds and copies back.
        if (RamSnapshot::scan_supported()) CHECK(snap.pages_copied() == 3);
    }
}
