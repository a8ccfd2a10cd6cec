// User roots: switch_mm() loads TTBR0_EL1 through the host, a task that
// returns to user space must have its own mm's root loaded, and user pages
// are reached through the loaded tree with ASID-tagged TLB entries.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
// A kernel thread takes on a fresh mm, then does `body` and returns to user space.
emu::RunResult run_user(const std::string& body) {
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/sched/mm.h>
        #include <linux/kthread.h>
        #include <linux/completion.h>
        #include <linux/mm.h>
        #include <linux/uaccess.h>
        #include <asm/mmu_context.h>
        #include <asm/sysreg.h>
        #include <asm/tlbflush.h>
        static struct mm_struct *mm;
        static struct completion done;
        static int user(void *data)
        {{
            kthread_use_mm(mm);
            {}
            lmemu_return_to_user();
            kthread_unuse_mm(mm);
            complete(&done);
            return 0;
        }}
        void scenario(void)
        {{
            init_completion(&done);
            mm = mm_alloc();
            BUG_ON(!mm);
            wake_up_process(kthread_create(user, NULL, "user"));
            wait_for_completion(&done);
            mmput(mm);
        }}
    )",
                                                     body),
                                         {{"CONFIG_MMU_LAZY_TLB_REFCOUNT", "1"}});  // the runner's default lazy_tlb
    emu::Machine m(image, {});
    return m.run();
}
}  // namespace

TEST_CASE("mm: a task whose mm switch_mm() loaded returns to user space cleanly") {
    const auto r = run_user("");
    CHECK(r.verdict == Verdict::Clean);
    if (r.incident) MESSAGE(r.incident->message);
}

TEST_CASE("mm: returning to user space with another root in TTBR0_EL1 is wrong-mm, naming who loaded it") {
    const auto r = run_user("cpu_set_reserved_ttbr0();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::WrongMm);
    CHECK(r.incident->message.find("user returns to user space on CPU 0 with no user root") == 0);
    CHECK(r.incident->message.find("last written at cpu_set_reserved_ttbr0") != std::string::npos);
}

TEST_CASE("mm: a kernel thread cannot return to user space") {
    const auto r = run_user("kthread_unuse_mm(mm); lmemu_return_to_user(); kthread_use_mm(mm);");
    CHECK(r.verdict == Verdict::GuestFault);
    REQUIRE(r.incident);
    CHECK(r.incident->message.find("has no mm") != std::string::npos);
}

namespace {
// The boot task switches to `n` fresh mms in turn, each populated, used and
// put; `check` runs (statements) with `mm` switched to and `i` its index.
emu::RunResult run_many_mms(int n, const std::string& check, const std::string& extra = "",
                            std::map<std::string, std::string> defines = {}) {
    defines.emplace("CONFIG_MMU_LAZY_TLB_REFCOUNT", "1");
    defines.emplace("CONFIG_ASID_BITS", "8");
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/mm.h>
        #include <linux/sched/mm.h>
        #include <linux/kthread.h>
        #include <asm/mmu_context.h>
        #include <asm/tlbflush.h>
        static unsigned long ttbr0(void)
        {{
            unsigned long v;
            asm volatile("mrs %0, ttbr0_el1" : "=r" (v));
            return v;
        }}
        {}
        void scenario(void)
        {{
            int i;
            for (i = 0; i < {}; i++) {{
                struct mm_struct *mm = mm_alloc();
                BUG_ON(!mm);
                kthread_use_mm(mm);
                {}
                kthread_unuse_mm(mm);
                mmput(mm);
            }}
        }}
    )",
                                                     extra, n, check),
                                         defines);
    return emu::Machine(image, {}).run();
}
}  // namespace

TEST_CASE("mm: each mm gets an ASID of its own, loaded in TTBR0_EL1 with its pgd") {
    const auto r = run_many_mms(3, R"(
        static unsigned long seen[3];
        BUG_ON(!ASID(mm));
        BUG_ON(ttbr0() >> 48 != ASID(mm));
        BUG_ON((ttbr0() & ~(0xffffUL << 48)) != __pa(mm->pgd));
        seen[i] = ASID(mm);
        BUG_ON(i && seen[i] == seen[i - 1]);
    )");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, (r.incident ? r.incident->message : ""));
}

TEST_CASE("mm: ASID rollover flushes each CPU before an ASID is reused for another address space") {
    // 8-bit ASIDs: 255 for user mms, so the 256th mm starts a new generation
    // and gets ASID 1 again, which this CPU last loaded for the first mm.
    const auto r = run_many_mms(300, R"(
        if (i == 0 || i == 255) BUG_ON((ASID(mm) & 0xff) != 1);	/* the hardware's 8 bits */
    )");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, (r.incident ? r.incident->message : ""));
    // A 2-bit ASID space (a model reduction) rolls over within every three
    // new mms, the active ASID reserved: four generations in ten mms.
    const auto tiny = run_many_mms(10, R"(
        BUG_ON(!(ASID(mm) & 3));
        if (i == 9) BUG_ON(atomic64_read(&asid_generation) >> 2 < 5);
    )",
                                   "extern atomic64_t asid_generation;", {{"CONFIG_ASID_BITS", "2"}});
    CHECK_MESSAGE(tiny.verdict == Verdict::Clean, (tiny.incident ? tiny.incident->message : ""));
    // The same without the flush the rollover owes: the reused ASID is stale.
    const auto broken = run_many_mms(300, "", R"(
        void check_and_switch_context(struct mm_struct *mm, struct task_struct *tsk)
        {
            static long long next_asid = 1;
            if (!atomic64_read(&mm->context.id)) {
                atomic64_set(&mm->context.id, (1LL << 8) | next_asid);
                next_asid = next_asid % 255 + 1;	/* wraps without flush_context() */
            }
            cpu_switch_mm(mm->pgd, mm);
        }
    )");
    CHECK(broken.verdict == Verdict::Hazard);
    REQUIRE(broken.incident);
    CHECK(broken.incident->hazard == Hazard::StaleAsid);
    CHECK(broken.incident->message.find("CPU 0 loads ASID 1") == 0);
    CHECK(broken.incident->message.find("has been freed since") != std::string::npos);
}

TEST_CASE("mm: TLBI ASIDE1 removes the ASID's user translations, VMALLE1 all of them") {
    // Two live mms forced onto one ASID: a stale-asid hazard, unless the CPU
    // flushed that ASID (or everything) in between.
    const std::string body = R"(
        struct mm_struct *a = mm_alloc(), *b = mm_alloc();
        BUG_ON(!a || !b);
        atomic64_set(&a->context.id, 7);
        atomic64_set(&b->context.id, 7);
        cpu_switch_mm(a->pgd, a);
        FLUSH;
        cpu_switch_mm(b->pgd, b);
        cpu_set_reserved_ttbr0();
        mmput(a);
        mmput(b);
    )";
    auto run_with = [&](const std::string& flush) {
        std::string code = body;
        code.replace(code.find("FLUSH"), 5, flush);
        const auto image = test::build_guest(R"(
            #include <linux/kernel.h>
            #include <linux/sched/mm.h>
            #include <asm/mmu_context.h>
            #include <asm/tlbflush.h>
            void scenario(void) {)" + code + "}",
                                             {{"CONFIG_MMU_LAZY_TLB_REFCOUNT", "1"}});
        return emu::Machine(image, {}).run();
    };
    const auto none = run_with("(void)0");
    CHECK(none.verdict == Verdict::Hazard);
    CHECK((none.incident && none.incident->hazard == Hazard::StaleAsid));
    CHECK(run_with("flush_tlb_mm(a)").verdict == Verdict::Clean);
    CHECK(run_with("local_flush_tlb_all()").verdict == Verdict::Clean);
    // Another ASID's flush leaves ASID 7's translations.
    CHECK(run_with("__tlbi(aside1is, __TLBI_VADDR(0, 8)); dsb(ish)").verdict == Verdict::Hazard);
}

namespace {
// A kernel thread on a fresh mm with one user page at 0x400000, read once
// (so the CPU's TLB may hold it), then `body`, then `read` again.
emu::RunResult run_user_page(const std::string& body) {
    return run_user(fmt::format(R"(
        unsigned long v = 0, __user *p = (unsigned long __user *)0x400000;
        BUG_ON(lmemu_vm_mmap_populate(mm, 0x400000, PAGE_SIZE));
        get_user(v, p);
        {}
        get_user(v, p);
    )",
                                body));
}
}  // namespace

TEST_CASE("mm: kernel code reads and writes its mm's user pages through TTBR0_EL1") {
    const auto r = run_user(R"(
        unsigned long v = 0, __user *p = (unsigned long __user *)0x400000;
        BUG_ON(lmemu_vm_mmap_populate(mm, 0x400000, 2 * PAGE_SIZE));
        BUG_ON(put_user(42UL, p) || put_user(43UL, p + PAGE_SIZE / sizeof(*p)));
        BUG_ON(get_user(v, p) || v != 42);
        BUG_ON(get_user(v, p + PAGE_SIZE / sizeof(*p)) || v != 43);
        /* MRS reads what the guest wrote, not the walk alias Unicorn uses. */
        BUG_ON((read_sysreg(ttbr0_el1) & ~(0xffffUL << 48)) != __pa(mm->pgd));
    )");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, (r.incident ? r.incident->message : ""));
}

TEST_CASE("mm: a user page cleared without a TLBI for its ASID stays in the TLB") {
    const std::string clear = R"(
        spinlock_t *ptl;
        pte_t *ptep = get_locked_pte(mm, 0x400000, &ptl);
        ptep_get_and_clear(mm, 0x400000, ptep);
        pte_unmap_unlock(ptep, ptl);
        dsb(ishst);
    )";
    const auto none = run_user_page(clear);
    REQUIRE(none.incident);
    CHECK(none.incident->hazard == Hazard::StaleTlb);
    CHECK(none.incident->message.find("tagged ASID 1") != std::string::npos);
    // flush_tlb_page(): TLBI VALE1IS with the mm's ASID, then the access faults as it should.
    const auto flushed = run_user_page(clear + "__tlbi(vale1is, __TLBI_VADDR(0x400000, ASID(mm))); dsb(ish); isb();");
    REQUIRE(flushed.incident);
    CHECK(flushed.incident->hazard == Hazard::KernelFault);
    CHECK(flushed.incident->message.find("not mapped") != std::string::npos);
    // The same TLBI for another ASID leaves this one's translation.
    const auto other = run_user_page(clear + "__tlbi(vale1is, __TLBI_VADDR(0x400000, ASID(mm) + 1)); dsb(ish); isb();");
    REQUIRE(other.incident);
    CHECK(other.incident->hazard == Hazard::StaleTlb);
}

TEST_CASE("mm: a user address with no user tree loaded faults, and says so") {
    const auto r = run_user_page("cpu_set_reserved_ttbr0();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::KernelFault);
    CHECK(r.incident->message.find("no user address space is loaded") != std::string::npos);
}
