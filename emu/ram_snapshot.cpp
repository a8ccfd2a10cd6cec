#include "emu/ram_snapshot.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "emu/state_hasher.h"
#include "emu/unicorn.h"

// PAGEMAP_SCAN's ABI (include/uapi/linux/fs.h, Linux 6.7), for build hosts
// whose headers predate it; the running kernel decides whether it works.
#ifndef PAGEMAP_SCAN
struct page_region {
    __u64 start, end, categories;
};
struct pm_scan_arg {
    __u64 size, flags, start, end, walk_end, vec, vec_len, max_pages;
    __u64 category_inverted, category_mask, category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#define PAGE_IS_FILE (1 << 2)
#define PAGE_IS_PRESENT (1 << 3)
#define PAGE_IS_PFNZERO (1 << 5)
#endif

namespace lmemu::emu {
namespace {

constexpr size_t kPage = 4096;

int pagemap_fd() {
    static const int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
    return fd;
}

// Asks for the pages of [start, end) that are present, not the file's page
// and not the zero page: the ones a write has copied.
pm_scan_arg copied_pages_query(uint64_t start, uint64_t end, page_region* vec, size_t len) {
    pm_scan_arg a{};
    a.size = sizeof a;
    a.start = start;
    a.end = end;
    a.vec = reinterpret_cast<uintptr_t>(vec);
    a.vec_len = len;
    a.category_mask = PAGE_IS_PRESENT | PAGE_IS_FILE | PAGE_IS_PFNZERO;
    a.category_inverted = PAGE_IS_FILE | PAGE_IS_PFNZERO;
    a.return_mask = PAGE_IS_PRESENT;
    return a;
}

}  // namespace

bool RamSnapshot::scan_supported() {
    static const bool supported = [] {
        if (pagemap_fd() < 0) return false;
        static uint64_t probe[1];
        page_region r;
        auto a = copied_pages_query(reinterpret_cast<uintptr_t>(probe) & ~(kPage - 1),
                                    (reinterpret_cast<uintptr_t>(probe) & ~(kPage - 1)) + kPage, &r, 1);
        return ioctl(pagemap_fd(), PAGEMAP_SCAN, &a) >= 0;
    }();
    return supported;
}

RamSnapshot::RamSnapshot(uint8_t* ram, size_t size) : ram_(ram), size_(size) {
    const int fd = memfd_create("lmemu-ram", MFD_CLOEXEC);
    if (fd < 0) throw UnicornError("memfd_create failed");
    struct Close {
        int fd;
        ~Close() { close(fd); }
    } closer{fd};
    if (ftruncate(fd, static_cast<off_t>(size)) != 0) throw UnicornError("ftruncate of the RAM snapshot failed");
    // Only the pages written so far hold anything; the rest of the file stays a hole.
    std::vector<unsigned char> resident(size / kPage);
    if (mincore(ram, size, resident.data()) != 0) throw UnicornError("mincore failed");
    for (size_t page = 0; page < resident.size(); ++page)
        if (resident[page] & 1) {
            const auto off = static_cast<off_t>(page * kPage);
            if (pwrite(fd, ram + off, kPage, off) != static_cast<ssize_t>(kPage))
                throw UnicornError("writing the RAM snapshot failed");
        }
    if (scan_supported()) {
        void* view = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
        if (view == MAP_FAILED) throw UnicornError("mapping the RAM snapshot's view failed");
        booted_ = static_cast<const uint8_t*>(view);
    }
    if (mmap(ram, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, fd, 0) == MAP_FAILED)
        throw UnicornError("mapping the RAM snapshot failed");
}

RamSnapshot::~RamSnapshot() {
    if (booted_) munmap(const_cast<uint8_t*>(booted_), size_);
}

template <class Fn>
void RamSnapshot::for_each_copied(Fn&& fn) const {
    const auto base = reinterpret_cast<uintptr_t>(ram_);
    std::array<page_region, 256> regions;
    uint64_t from = base;
    while (from < base + size_) {
        auto a = copied_pages_query(from, base + size_, regions.data(), regions.size());
        const long n = ioctl(pagemap_fd(), PAGEMAP_SCAN, &a);
        if (n < 0) throw UnicornError("PAGEMAP_SCAN of guest RAM failed");
        for (long i = 0; i < n; ++i) fn(regions[i].start - base, regions[i].end - regions[i].start);
        from = a.walk_end;
    }
}

void RamSnapshot::restore() {
    pages_copied_ = 0;
    if (!booted_) {
        if (madvise(ram_, size_, MADV_DONTNEED) != 0) throw UnicornError("madvise(MADV_DONTNEED) failed");
        return;
    }
    for_each_copied([this](size_t off, size_t len) {
        std::memcpy(ram_ + off, booted_ + off, len);
        pages_copied_ += len / kPage;
    });
}

void RamSnapshot::hash_changed(StateHasher& h) const {
    if (!booted_) throw UnicornError("hashing guest RAM needs PAGEMAP_SCAN");
    // A page restore() copied back stays a copy, so the scan finds every
    // page any run wrote; only those that differ now are hashed.
    for_each_copied([&](size_t off, size_t len) {
        for (size_t p = off; p < off + len; p += kPage)
            if (std::memcmp(ram_ + p, booted_ + p, kPage) != 0) {
                h.add(p);
                h.bytes(ram_ + p, kPage);
            }
    });
}

}  // namespace lmemu::emu
