#include <doctest/doctest.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "emu/machine.h"
#include "kernel/include/lmemu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
emu::RunResult run(const std::string& code, emu::MachineConfig cfg = {},
                   const std::map<std::string, std::string>& defines = {}) {
    const auto image = test::build_guest(code, defines);
    emu::Machine m(image, cfg);
    return m.run();
}
const std::map<std::string, std::string> kDebugPagealloc{{"CONFIG_DEBUG_PAGEALLOC", "1"}};
}  // namespace

TEST_CASE("machine: the DEBUG_PAGEALLOC use-after-free faults on the freed page, with a report") {
    const std::string code = R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            struct page *page = alloc_pages(GFP_KERNEL, 0);
            unsigned long *addr = page_address(page);
            clear_page(addr);
            __free_pages(page, 0);
            (void)READ_ONCE(*addr);
        }
    )";
    emu::MachineConfig cfg;
    cfg.debug_pagealloc = true;
    const auto r = run(code, cfg, kDebugPagealloc);
    REQUIRE(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::KernelFault);
    REQUIRE(r.incident->access);
    const auto& a = *r.incident->access;
    CHECK(a.type == emu::AccessType::Read);
    CHECK(a.va >= LMEMU_PAGE_OFFSET);
    CHECK(a.va % 4096 == 0);
    CHECK(a.insn.rfind("ldr", 0) == 0);
    CHECK(a.at.where.rfind("scenario+", 0) == 0);
    CHECK(r.incident->page.find("page free") != std::string::npos);
    CHECK(r.incident->backtrace.at(0).where.rfind("scenario+", 0) == 0);
    // The guest's DWARF names the line: the READ_ONCE is line 9 of `code`.
    CHECK(a.at.source.size() > 2);
    CHECK(a.at.source.substr(a.at.source.size() - 2) == ":9");
    CHECK(r.incident->backtrace.at(1).source.rfind("kernel/init/main.c:", 0) == 0);  // start_kernel's call
    // Assembly frames are named the same way, not by the host path they were built from.
    CHECK(r.incident->backtrace.back().source.rfind("kernel/arch/arm64/kernel/head.S:", 0) == 0);

    // Without DEBUG_PAGEALLOC the same read goes unnoticed.
    CHECK(run(code).verdict == Verdict::Clean);
}

TEST_CASE("machine: a store through an unmapped pre-index address reports that address") {
    const auto r = run(R"(
        void scenario(void)
        {
            register unsigned long base asm("x9") = 0xffff800100200000UL;
            asm volatile("stp xzr, xzr, [%0, #32]!" : "+r"(base) : : "memory");
        }
    )");
    REQUIRE(r.incident);
    REQUIRE(r.incident->access);
    CHECK(r.incident->access->va == 0xffff800100200020ULL);
    CHECK(r.incident->access->type == emu::AccessType::Write);
    CHECK(r.incident->access->size == 16);
    CHECK(r.incident->walk.size() == 3);  // pgd, pud valid; the pmd is where it stops
}

TEST_CASE("machine: a looping guest times out at its block budget, the same way every time; the wall clock is a guard") {
    const std::string loop = "void scenario(void) { for (;;) asm volatile(\"\"); }";
    emu::MachineConfig cfg;
    cfg.budget_blocks = 100'000;
    const auto r = run(loop, cfg);
    CHECK(r.verdict == Verdict::Timeout);
    REQUIRE(r.incident);
    CHECK(r.incident->message == "the guest did not finish within its budget of 100000 translated blocks");
    CHECK(r.incident->backtrace.at(0).where.rfind("scenario+", 0) == 0);
    // Reused, the machine stops at the same block.
    const auto image = test::build_guest(loop);
    emu::Machine m(image, cfg, emu::Machine::Runs::Many);
    const auto first = m.run();
    const auto again = m.run(cfg);
    CHECK(first.incident->backtrace.at(0).pc == again.incident->backtrace.at(0).pc);
    // A budget too large for the wall-clock guard: the guard ends it, and says so.
    cfg.budget_blocks = 1'000'000'000'000;
    cfg.timeout_ms = 100;
    const auto guarded = run(loop, cfg);
    CHECK(guarded.verdict == Verdict::Timeout);
    CHECK(guarded.wall_clock_stopped);  // no verdict: the runner reports it as an error
    CHECK_FALSE(first.wall_clock_stopped);
    CHECK(guarded.incident->message.find("100 ms of wall time (the last-resort guard) after ") != std::string::npos);
}

TEST_CASE("machine: undefined instructions and bad hypercall pointers are guest faults") {
    CHECK(run("void scenario(void) { asm volatile(\"udf #7\"); }").verdict == Verdict::GuestFault);
    const auto r = run(R"(
        #include <lmemu/hypercall.h>
        void scenario(void) { lmemu_hvc2(LMEMU_HVC_PRINTK, 0x10, 4); }
    )");
    CHECK(r.verdict == Verdict::GuestFault);
    CHECK(r.incident->message.find("bad guest pointer") != std::string::npos);
    CHECK(run("void scenario(void) { asm volatile(\"hvc #0x77\"); }").verdict == Verdict::GuestFault);
}

TEST_CASE("machine: double free is a BUG, printk reaches the console") {
    const auto r = run(R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            struct page *p = alloc_page(GFP_KERNEL);
            pr_info("page %d of %s\n", 1, "one");
            __free_page(p);
            __free_page(p);
        }
    )");
    CHECK(r.verdict == Verdict::Bug);
    REQUIRE(r.console.size() == 1);
    CHECK(r.console[0] == "page 1 of one");
}

TEST_CASE("machine: the same scenario gives the same result every time") {
    const std::string code = R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            struct page *p = alloc_page(GFP_NOWAIT);
            lazy_mmu_mode_enable();
            set_pte(virt_to_kpte((unsigned long)page_address(p)), __pte(0));
            (void)READ_ONCE(*(unsigned long *)page_address(p));
        }
    )";
    const auto a = run(code), b = run(code);
    REQUIRE(a.incident);
    REQUIRE(b.incident);
    CHECK(a.incident->hazard == Hazard::StaleTlb);
    CHECK(a.incident->hazard == b.incident->hazard);
    CHECK(a.incident->access->va == b.incident->access->va);
    CHECK(a.incident->write->write.origin.pc == b.incident->write->write.origin.pc);
}

TEST_CASE("machine: the origin of a page-table store is the store instruction itself") {
    const auto image = test::build_guest(R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            struct page *p = alloc_page(GFP_NOWAIT);
            pte_t *ptep = virt_to_kpte((unsigned long)page_address(p));
            asm volatile("nop; nop; str xzr, [%0]; nop" : : "r"(ptep) : "memory");
            (void)READ_ONCE(*(unsigned long *)page_address(p));
        }
    )");
    emu::Machine m(image, {});
    const auto r = m.run();
    REQUIRE(r.incident);
    REQUIRE(r.incident->write);
    const uint64_t pc = r.incident->write->write.origin.pc;
    // 0xf900001f | Rn << 5 is "str xzr, [xN]".
    const auto insn = m.read_virt(pc, 4);
    REQUIRE(insn);
    CHECK((*insn & 0xfffffc1f) == 0xf900001f);
}

TEST_CASE("machine: smp_call_function_single() runs the function on the other CPU, as its own task") {
    emu::MachineConfig cfg;
    cfg.cpus = 2;
    const auto r = run(R"(
        #include <linux/mm.h>
        #include <linux/smp.h>
        static void hello(void *info)
        {
            pr_info("cpu %d %s\n", smp_processor_id(), (const char *)info);
        }
        void scenario(void)
        {
            pr_info("cpu %d of %u\n", smp_processor_id(), num_online_cpus());
            BUG_ON(smp_call_function_single(1, hello, "called", 1) != 0);
            BUG_ON(smp_call_function_single(2, hello, "nowhere", 1) != -ENXIO);
            smp_call_function_single(0, hello, "locally", 1);
        }
    )", cfg);
    CHECK(r.verdict == Verdict::Clean);
    CHECK(r.console == std::vector<std::string>{"cpu 0 of 2", "cpu 1 called", "cpu 0 locally"});
}

TEST_CASE("machine: a call back into a waiting CPU is a deadlock, a looping callback a timeout") {
    emu::MachineConfig cfg;
    cfg.cpus = 2;
    cfg.budget_blocks = 1'000'000;  // the budget ends the loop, not the wall clock, however loaded the host
    const auto deadlock = run(R"(
        #include <linux/smp.h>
        static void nothing(void *info) {}
        static void back(void *info) { smp_call_function_single(0, nothing, 0, 1); }
        void scenario(void) { smp_call_function_single(1, back, 0, 1); }
    )", cfg);
    CHECK(deadlock.verdict == Verdict::GuestFault);
    REQUIRE(deadlock.incident);
    CHECK(deadlock.incident->cpu == 1);
    CHECK(deadlock.incident->message.find("deadlock") != std::string::npos);

    const auto loop = run(R"(
        #include <linux/smp.h>
        static void spin(void *info) { for (;;) asm volatile(""); }
        void scenario(void) { smp_call_function_single(1, spin, 0, 1); }
    )", cfg);
    CHECK(loop.verdict == Verdict::Timeout);
    CHECK_FALSE(loop.wall_clock_stopped);
    CHECK(loop.incident->cpu == 1);
}

TEST_CASE("machine: unobserved, the guest runs as Unicorn alone would run it: no model, native barriers") {
    // A mapping used before any barrier: observed, the walker cannot see it yet.
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/gfp.h>
        #include <asm/tlbflush.h>
        void scenario(void)
        {
            unsigned long va = VMALLOC_START + 16 * PAGE_SIZE;
            struct page *page = alloc_page(GFP_KERNEL);
            pte_t *ptep;

            BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
            ptep = virt_to_kpte(va);
            *(volatile pteval_t *)ptep = pte_val(mk_pte(page, PAGE_KERNEL));
            *(volatile unsigned long *)va = 1;
            flush_tlb_kernel_range(va, va + PAGE_SIZE);
        }
    )";
    const auto image = test::build_guest(code);
    const auto observed = emu::Machine(image, {}).run();
    CHECK(observed.verdict == Verdict::Hazard);
    CHECK(observed.metrics.pte_writes > 0);

    emu::MachineConfig unobserved;
    unobserved.observe = false;
    emu::Machine m(image, unobserved, emu::Machine::Runs::Many);
    for (int i = 0; i < 2; ++i) {  // and again from its snapshot
        const auto r = m.run(unobserved);
        CHECK(r.verdict == Verdict::Clean);
        CHECK(r.metrics.pte_writes == 0);
        CHECK(r.metrics.dsb == 0);
        CHECK(r.metrics.tlbi == 0);
    }
}

TEST_CASE("machine: the linear map has contiguous 2 MiB blocks unless force_pte_mapping() says pages") {
    const std::string code = R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            unsigned long *addr = page_address(alloc_pages(GFP_KERNEL, 0));
            WRITE_ONCE(*addr, 1);
            BUG_ON(READ_ONCE(*addr) != 1);
        }
    )";
    const auto image = test::build_guest(code);
    const auto debug_pagealloc_image = test::build_guest(code, kDebugPagealloc);
    auto first_linear_line = [&](emu::MachineConfig cfg) {
        emu::Machine m(cfg.debug_pagealloc ? debug_pagealloc_image : image, cfg);
        CHECK(m.run().verdict == Verdict::Clean);
        const std::string dump = m.ptdump();
        const size_t at = dump.find("0xffff000000000000-");
        REQUIRE(at != std::string::npos);
        return dump.substr(at, dump.find('\n', at) - at);
    };
    emu::MachineConfig cfg;  // rodata=full, no BBML2: pages
    CHECK(first_linear_line(cfg).find(" PTE ") != std::string::npos);
    cfg.rodata_full = false;
    const std::string blocks = first_linear_line(cfg);
    CHECK(blocks.find(" PMD ") != std::string::npos);
    CHECK(blocks.find("CON BLK") != std::string::npos);
    CHECK(blocks.find("64M") != std::string::npos);  // two 32 MiB contiguous ranges; the last 2 MiB alone
    cfg.rodata_full = true;
    cfg.arch_features.bbml2 = true;  // v6.18: BBML2 can split on demand, so blocks even with rodata=full
    CHECK(first_linear_line(cfg).find("CON BLK") != std::string::npos);
    cfg.debug_pagealloc = true;  // DEBUG_PAGEALLOC always pages
    CHECK(first_linear_line(cfg).find(" PTE ") != std::string::npos);
}

TEST_CASE("machine: WARN_ON_ONCE warns once; what a run keeps is capped, and what was left out is counted") {
    const auto r = run(R"(
        #include <linux/bug.h>
        #include <linux/printk.h>
        void scenario(void)
        {
            for (int i = 0; i < 100; i++) {
                WARN_ON(i >= 0);
                WARN_ON_ONCE(1);
            }
            for (int i = 0; i < 2100; i++)
                pr_info("line %d\n", i);
        }
    )");
    CHECK(r.verdict == Verdict::Warn);
    CHECK(r.warnings.size() == emu::RunLimits::kWarnings);
    CHECK(std::count_if(r.warnings.begin(), r.warnings.end(),
                        [](const auto& w) { return w.message.find("WARN_ON_ONCE") != std::string::npos; }) == 1);
    CHECK(r.dropped.warnings == 101 - emu::RunLimits::kWarnings);
    CHECK(r.console.size() == emu::RunLimits::kConsoleLines);
    CHECK(r.dropped.console == 100);
}

TEST_CASE("machine: an image larger than the kernel image window is refused before its .bss is allocated") {
    try {
        (void)test::build_guest("char big[1UL << 32];\nvoid scenario(void) { big[0] = 1; }\n");
        FAIL("a 4 GiB .bss was accepted");
    } catch (const std::exception& e) {
        CHECK(std::string(e.what()).find("does not fit the kernel image window") != std::string::npos);
    }
}

// The guest-errors case's sources that step outside the model, each with the
// words its guest fault must say.
TEST_CASE("machine: a guest that steps outside the model is a guest fault that says what it did") {
    const std::pair<const char*, const char*> kCases[] = {
        {"regime_write.c", "wrote TTBR1_EL1"},  {"svc.c", "svc: a system call"},
        {"smc.c", "smc: a call to secure firmware"}, {"mmu_off.c", "turned the MMU off"},
        {"pte_beyond_ram.c", "to phys 0x80000000, outside RAM"}, {"generated_code.c", "outside the kernel image's text"},
    };
    // Not a structured binding: clang 14 cannot capture one in CAPTURE's lambda.
    for (const auto& guest : kCases) {
        const char* file = guest.first;
        const char* words = guest.second;
        CAPTURE(file);
        std::ifstream in(std::string(LMEMU_SOURCE_DIR) + "/cases/arm64/errors/" + file);
        std::stringstream code;
        code << in.rdbuf() << "\nvoid scenario(void) { misbehave(); }\n";
        const auto r = run(code.str());
        CHECK(r.verdict == Verdict::GuestFault);
        REQUIRE(r.incident);
        CHECK(r.incident->message.find(words) != std::string::npos);
    }
}

// The Linux names a kernel developer pastes first, used as Linux uses them,
// with their results checked in the guest (a wrong one is a BUG).
TEST_CASE("machine: paste-ready Linux names build, link and behave") {
    const auto r = run(R"(
        #include <linux/vmalloc.h>
        #include <linux/atomic.h>
        #include <linux/bitops.h>
        #include <linux/build_bug.h>
        #include <asm/set_memory.h>
        #include <asm/tlbflush.h>

        static DECLARE_BITMAP(map, 100);
        static atomic_t count = ATOMIC_INIT(1);

        void scenario(void)
        {
            struct page *pages[2] = { alloc_page(GFP_KERNEL), alloc_page(GFP_KERNEL) };
            unsigned long *v = vmalloc(3 * PAGE_SIZE), *m;
            struct vm_area_struct vma = { .vm_mm = &init_mm };
            unsigned long x = 5;

            BUILD_BUG_ON(PAGE_SIZE != 4096);
            BUG_ON(!IS_ENABLED(CONFIG_RODATA_FULL_DEFAULT_ENABLED) || IS_ENABLED(CONFIG_NOT_SET));
            BUG_ON(get_order(1) != 0 || get_order(PAGE_SIZE + 1) != 1 || get_order(5 * PAGE_SIZE) != 3);
            BUG_ON(PFN_UP(PAGE_SIZE + 1) != 2 || PFN_DOWN(PAGE_SIZE + 1) != 1 || PAGE_ALIGN(1) != PAGE_SIZE);

            BUG_ON(!v || !is_vmalloc_addr(v) || !find_vm_area(v));
            v[1024] = 42;   /* the third page's first word, through its linear alias */
            BUG_ON(*(unsigned long *)page_address(vmalloc_to_page(&v[1024])) != 42);
            m = vmap(pages, 2, VM_MAP, PAGE_KERNEL);
            BUG_ON(!m || vmalloc_to_page(m + 512) != pages[1]);
            m[512] = 7;
            copy_page(page_address(pages[0]), page_address(pages[1]));
            BUG_ON(memcmp(page_address(pages[0]), page_address(pages[1]), PAGE_SIZE) || m[512] != 7);
            vunmap(m);
            vfree(v);
            BUG_ON(find_vm_area(v));

            /* Linux's vmap_range_noflush(): a 2 MiB-aligned range gets a pmd block, unmapped by pmd_clear_huge(). */
            BUG_ON(ioremap_page_range(VMALLOC_START + PMD_SIZE, VMALLOC_START + 2 * PMD_SIZE,
                                      LMEMU_RAM_PHYS + 16 * PMD_SIZE, PAGE_KERNEL));
            BUG_ON(!pmd_sect(READ_ONCE(*pmd_off_k(VMALLOC_START + PMD_SIZE))));
            *(volatile unsigned long *)(VMALLOC_START + PMD_SIZE + 8) = 3;
            BUG_ON(*(unsigned long *)__va(LMEMU_RAM_PHYS + 16 * PMD_SIZE + 8) != 3);
            vunmap_range(VMALLOC_START + PMD_SIZE, VMALLOC_START + 2 * PMD_SIZE);
            BUG_ON(!pmd_none(READ_ONCE(*pmd_off_k(VMALLOC_START + PMD_SIZE))));

            set_bit(70, map);
            BUG_ON(!test_bit(70, map) || test_and_set_bit(70, map) != 1 || !test_and_clear_bit(70, map) || test_bit(70, map));
            BUG_ON(atomic_inc_return(&count) != 2 || atomic_dec_and_test(&count) || atomic_read(&count) != 1);
            BUG_ON(cmpxchg(&x, 5UL, 6UL) != 5 || x != 6 || xchg(&x, 9UL) != 6);
            BUG_ON(pte_young(pte_mkold(pfn_pte(1, PAGE_KERNEL))) || !pte_dirty(pte_mkdirty(pfn_pte(1, PAGE_KERNEL))));
            BUG_ON(!kernel_page_present(pages[0]));
            flush_tlb_range(&vma, VMALLOC_START, VMALLOC_START + PAGE_SIZE);
            flush_tlb_page(&vma, VMALLOC_START);
            smp_mb();
            __free_page(pages[0]);
            __free_page(pages[1]);
        }
    )", {}, {{"CONFIG_RODATA_FULL_DEFAULT_ENABLED", "1"}});
    CHECK(r.verdict == Verdict::Clean);
    if (r.incident) MESSAGE(r.incident->message);
}

TEST_CASE("machine: a load or store in a freed page-table page is use-after-free") {
    auto with = [](const char* after_free) {
        return run(fmt::format(R"(
            #include <linux/mm.h>
            #include <linux/pgtable.h>
            #include <asm/pgalloc.h>
            void scenario(void)
            {{
                unsigned long va = VMALLOC_START + PMD_SIZE;
                pte_t *table;
                BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
                table = virt_to_kpte(va);
                (void)READ_ONCE(*table);	/* a live table: fine */
                pmd_free_pte_page(pmd_off_k(va), va);
                {}
            }}
        )", after_free));
    };
    CHECK(with("").verdict == Verdict::Clean);
    const auto load = with("(void)READ_ONCE(*table);");
    REQUIRE(load.verdict == Verdict::Hazard);
    CHECK(load.incident->hazard == Hazard::UseAfterFree);
    CHECK(load.incident->message.find("loaded phys") != std::string::npos);
    CHECK(load.incident->backtrace.at(0).where.rfind("scenario+", 0) == 0);
    const auto store = with("WRITE_ONCE(*table, __pte(0));");
    REQUIRE(store.verdict == Verdict::Hazard);
    CHECK(store.incident->hazard == Hazard::UseAfterFree);
    CHECK(store.incident->message.find("stored to phys") != std::string::npos);
}
