#include <doctest/doctest.h>

#include <random>
#include <set>

#include "emu/machine.h"
#include "kernel/include/lmemu/machine.h"
#include "pgtable/walker.h"
#include "tests/support/guest.h"

using namespace lmemu;
using namespace lmemu::pgtable;

TEST_CASE("walker: reports every level and the faulting one") {
    // pgd[0] -> table at 0x1000, pud[0] invalid.
    auto read = [](PhysAddr e) -> std::optional<uint64_t> {
        if (e.value == 0x0) return Pte::table(PhysAddr{0x1000}).raw();
        if (e.value >= 0x1000 && e.value < 0x2000) return 0;
        return std::nullopt;
    };
    const Walk w = walk(PhysAddr{0}, VirtAddr{0x1234}, read);
    CHECK(w.outcome == WalkOutcome::TranslationFault);
    CHECK(w.depth == 2);
    CHECK(w.level() == 1);
    CHECK(w.steps[1].entry.value == 0x1000);
}

TEST_CASE("walker: a level-1 block translates the low 30 bits through") {
    auto read = [](PhysAddr e) -> std::optional<uint64_t> {
        if (e.value == 0x0) return Pte::table(PhysAddr{0x1000}).raw();
        if (e.value == 0x1000) return (0x80000000ULL | field::kValid | prot::kKernel);  // block, bit1 clear
        return std::nullopt;
    };
    const Walk w = walk(PhysAddr{0}, VirtAddr{0x12345678}, read);
    REQUIRE(w.mapped());
    CHECK(w.level() == 1);
    CHECK(w.pa.value == 0x92345678);
}

// The host walker and Unicorn's MMU must agree on every translation: map
// 1,000 random pages, let the guest load through each, and compare with what
// the host walk says is at the translated physical address.
TEST_CASE("walker: host walks and Unicorn agree on 1,000 random mappings") {
    constexpr int kN = 1000;
    const auto image = test::build_guest(R"(
        unsigned long lmemu_test_va[1000];
        unsigned long lmemu_test_val[1000];
        void scenario(void)
        {
            for (int i = 0; i < 1000; i++)
                lmemu_test_val[i] = *(volatile unsigned long *)lmemu_test_va[i];
        }
    )");
    emu::Machine m(image, {});
    std::mt19937_64 rng(20251122);
    std::set<uint64_t> used;
    std::vector<uint64_t> vas;
    const uint64_t va_sym = *image.symbol("lmemu_test_va");
    const uint64_t val_sym = *image.symbol("lmemu_test_val");
    for (int i = 0; i < kN; ++i) {
        // Pages spread over 64 MiB of the vmalloc area (32 PTE tables).
        uint64_t page;
        do page = rng() % (64 << 8);
        while (!used.insert(page).second);
        const uint64_t va = LMEMU_VMALLOC_START + (page << 12) + 8 * (rng() % 512);
        const uint64_t pa = m.alloc_frame();
        m.map_page(va & ~0xfffULL, pa, (rng() & 1) ? prot::kKernel : prot::kKernelRO);
        REQUIRE(m.write_virt(va, rng()));
        REQUIRE(m.write_virt(va_sym + 8 * i, va));
        vas.push_back(va);
    }
    const auto r = m.run();
    REQUIRE(r.verdict == lazymmu::Verdict::Clean);
    for (int i = 0; i < kN; ++i) {
        CAPTURE(vas[i]);
        const auto pa = m.translate(vas[i]);
        REQUIRE(pa);
        CHECK(*pa % 4096 == vas[i] % 4096);
        CHECK(m.read_virt(val_sym + 8 * i, 8) == m.read_virt(vas[i], 8));
    }
}

// The 64 words a guest read at lmemu_test_va[i] into lmemu_test_val[i]: the host
// walk must translate each VA (and `check_pa` says to what), and the word the
// host reads there must be the one the guest read through Unicorn's MMU.
template <class CheckPa>
void check_words(emu::Machine& m, const emu::ElfImage& image, CheckPa check_pa) {
    const uint64_t va_sym = *image.symbol("lmemu_test_va");
    const uint64_t val_sym = *image.symbol("lmemu_test_val");
    for (int i = 0; i < 64; ++i) {
        const uint64_t va = m.read_virt(va_sym + 8 * i, 8).value_or(0);
        CAPTURE(va);
        const auto pa = m.translate(va);
        REQUIRE(pa);
        check_pa(i, va, *pa);
        CHECK(m.read_virt(val_sym + 8 * i, 8) == m.read_virt(va, 8));
    }
}

// The same for the mappings a scenario builds itself with pmd blocks and a
// contiguous PTE range: Unicorn's MMU and the host walk read the same word.
TEST_CASE("walker: host walks and Unicorn agree on pmd blocks and contiguous ranges") {
    const auto image = test::build_guest(R"(
        #include <linux/mm.h>
        #include <linux/gfp.h>
        unsigned long lmemu_test_va[64];
        unsigned long lmemu_test_val[64];
        void scenario(void)
        {
            unsigned long blocks = VMALLOC_START + 16 * PMD_SIZE, cont = VMALLOC_START + CONT_PTE_SIZE;
            unsigned long pfn = page_to_pfn(alloc_pages(GFP_KERNEL, 4));
            int i;

            BUG_ON(apply_to_page_range(&init_mm, blocks - PAGE_SIZE, PAGE_SIZE, NULL, NULL));
            for (i = 0; i < 8; i++)   /* eight blocks over RAM, in reverse order */
                BUG_ON(!pmd_set_huge(pmd_off_k(blocks + i * PMD_SIZE), LMEMU_RAM_PHYS + (15 - i) * PMD_SIZE,
                                     i & 1 ? PAGE_KERNEL_RO : PAGE_KERNEL));
            BUG_ON(apply_to_page_range(&init_mm, cont, CONT_PTE_SIZE, NULL, NULL));
            for (i = 0; i < CONT_PTES; i++)
                set_pte(virt_to_kpte(cont + i * PAGE_SIZE), pte_mkcont(pfn_pte(pfn + i, PAGE_KERNEL)));
            for (i = 0; i < 64; i++) {
                /* a pseudo-random word in a block (i < 48) or in the contiguous range */
                unsigned long off = (i * 0x9e3779b97f4a7c15UL >> 20) & ~7UL;
                lmemu_test_va[i] = i < 48 ? blocks + off % (8 * PMD_SIZE) : cont + off % CONT_PTE_SIZE;
                lmemu_test_val[i] = *(volatile unsigned long *)lmemu_test_va[i];
            }
        }
    )");
    emu::Machine m(image, {});
    const auto r = m.run();
    REQUIRE(r.verdict == lazymmu::Verdict::Clean);
    check_words(m, image, [](int i, uint64_t va, uint64_t pa) {
        if (i >= 48) return;
        // Block k maps RAM block 15 - k: the host walk must use the block's output.
        const uint64_t k = (va - (LMEMU_VMALLOC_START + 16 * (uint64_t{1} << 21))) >> 21;
        CHECK(pa == LMEMU_RAM_PHYS + (15 - k) * (uint64_t{1} << 21) + (va & ((uint64_t{1} << 21) - 1)));
    });
}

// The linear map as a BBML2 machine boots it (contiguous 2 MiB blocks), and
// after set_memory_ro() has split one block down to pages: Unicorn's MMU and
// the host walk read the same word at every address.
TEST_CASE("walker: host walks and Unicorn agree on the block-mapped linear map, before and after a split") {
    const auto image = test::build_guest(R"(
        #include <linux/mm.h>
        #include <linux/gfp.h>
        unsigned long lmemu_test_va[64];
        unsigned long lmemu_test_val[64];
        void scenario(void)
        {
            unsigned long page = (unsigned long)page_address(alloc_pages(GFP_KERNEL, 0));
            unsigned long block = ALIGN_DOWN(page, PMD_SIZE);
            int i;

            for (i = 0; i < 64; i++) {
                unsigned long off = (i * 0x9e3779b97f4a7c15UL >> 20) & ~7UL;
                if (i == 32)
                    set_memory_ro(page, 1);
                /* anywhere in the linear map before the split, in the split block after it */
                lmemu_test_va[i] = i < 32 ? PAGE_OFFSET + off % (LMEMU_PHYS_END - LMEMU_PHYS_OFFSET)
                                          : block + off % PMD_SIZE;
                lmemu_test_val[i] = *(volatile unsigned long *)lmemu_test_va[i];
            }
        }
    )", {{"LMEMU_HAS_BBML2", "1"}});
    emu::MachineConfig cfg;
    cfg.arch_features.bbml2 = true;
    emu::Machine m(image, cfg);
    const auto r = m.run();
    REQUIRE(r.verdict == lazymmu::Verdict::Clean);
    CHECK(r.metrics.pte_writes > 512);  // the block was split to pages
    check_words(m, image, [](int, uint64_t va, uint64_t pa) { CHECK(pa == va - LMEMU_PAGE_OFFSET + LMEMU_PHYS_OFFSET); });
}
