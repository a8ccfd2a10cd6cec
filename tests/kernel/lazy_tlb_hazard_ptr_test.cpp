// The hazard-pointer lazy TLB mode (CONFIG_MMU_LAZY_TLB_HAZARD_PTR, seed 003)
// and user mappings' teardown (mm/mmap.c): guest rules, checked by running them.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
emu::RunResult run(const std::string& code, const std::map<std::string, std::string>& defines, int cpus = 1) {
    const auto image = test::build_guest(R"(
        #include <linux/kernel.h>
        #include <linux/mm.h>
        #include <linux/printk.h>
        #include <linux/sched.h>
        #include <linux/sched/mm.h>
        #include <linux/kthread.h>
        #include <linux/completion.h>
        int exec_mmap(struct mm_struct *mm);
    )" + code,
                                         defines);
    emu::MachineConfig cfg;
    cfg.cpus = cpus;
    emu::Machine m(image, cfg);
    return m.run();
}

std::string why(const emu::RunResult& r) { return r.incident ? r.incident->message : std::string("clean"); }

bool console_has(const emu::RunResult& r, const std::string& text) {
    return std::any_of(r.console.begin(), r.console.end(), [&](const auto& l) { return l.find(text) != std::string::npos; });
}
}  // namespace

TEST_CASE("lazy TLB hazard pointers: the last mmput() hands the lazy CPU a reference, dropped when it leaves the mm") {
    // A process's only thread exits on the boot CPU; the boot task then runs
    // on its mm lazily (rq->lazy_mm), and must keep it until it switches to
    // another mm, though the exit's switch came first.
    const auto r = run(R"(
        static struct mm_struct *mm, *other;
        static struct completion exited;
        static int user(void *data) { exec_mmap(mm); complete(&exited); return 0; }
        void scenario(void)
        {
            init_completion(&exited);
            mm = mm_alloc();
            other = mm_alloc();
            BUG_ON(!mm || !other);
            wake_up_process(kthread_create(user, NULL, "user"));
            wait_for_completion(&exited);
            schedule();	/* the user task's exit and switch are done */
            BUG_ON(current->active_mm != mm);
            BUG_ON(atomic_read(&mm->mm_users) != 0);
            BUG_ON(atomic_read(&mm->mm_count) != 1);	/* the handed reference */
            kthread_use_mm(other);	/* leaves mm: the reference is dropped, mm freed */
            kthread_unuse_mm(other);
            mmput(other);
        }
    )",
                       {{"CONFIG_MMU_LAZY_TLB_HAZARD_PTR", "1"}, {"CONFIG_MM_INVARIANTS", "1"}});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.warnings.empty());
}

TEST_CASE("lazy TLB hazard pointers: the handed reference dropped by hand breaks the mm invariants at rq->drop_mm") {
    // Dropping it by hand frees mm under the lazy CPU, which still owes that drop.
    const auto r = run(R"(
        static struct mm_struct *mm;
        static struct completion exited;
        static int user(void *data) { exec_mmap(mm); complete(&exited); return 0; }
        void scenario(void)
        {
            init_completion(&exited);
            mm = mm_alloc();
            BUG_ON(!mm);
            wake_up_process(kthread_create(user, NULL, "user"));
            wait_for_completion(&exited);
            schedule();
            current->active_mm = &init_mm;	/* only rq->lazy_mm names it now */
            mmdrop(mm);
            pr_info("a scheduling point\n");
        }
    )",
                       {{"CONFIG_MMU_LAZY_TLB_HAZARD_PTR", "1"}, {"CONFIG_MM_INVARIANTS", "1"}});
    CHECK(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::MmInUseWithoutCount);
    CHECK_MESSAGE(why(r).find("CPU 0's rq->drop_mm names mm") != std::string::npos, why(r));
}

TEST_CASE("user mappings: exit_mmap() takes back pages, rss and page tables; an mm freed with them is reported by check_mm()") {
    const std::string populate = R"(
            BUG_ON(lmemu_vm_mmap_populate(mm, 0x400000, 2 * PAGE_SIZE));
            BUG_ON(lmemu_vm_mmap_populate(mm, 0x40000000, PAGE_SIZE));	/* another PUD entry's tables */
            BUG_ON(atomic_long_read(&mm->rss_stat[MM_ANONPAGES]) != 3);
            BUG_ON(atomic_long_read(&mm->pgtables_bytes) != 5 * PAGE_SIZE);
            BUG_ON(lmemu_vm_mmap_populate(mm, 0x400001, PAGE_SIZE) != -EINVAL);
    )";
    const auto torn_down = run(fmt::format(R"(
        void scenario(void)
        {{
            struct mm_struct *mm = mm_alloc();
            BUG_ON(!mm);
            {}
            mmput(mm);
        }}
    )",
                                           populate),
                               {{"CONFIG_MMU_LAZY_TLB_REFCOUNT", "1"}});
    CHECK_MESSAGE(torn_down.verdict == Verdict::Clean, why(torn_down));
    CHECK_FALSE(console_has(torn_down, "BUG:"));
    // The struct freed without __mmput(), as an unbalanced mmdrop() does.
    const auto leaked = run(fmt::format(R"(
        void scenario(void)
        {{
            struct mm_struct *mm = mm_alloc();
            BUG_ON(!mm);
            {}
            atomic_set(&mm->mm_users, 0);
            mmdrop(mm);
        }}
    )",
                                        populate),
                            {{"CONFIG_MMU_LAZY_TLB_REFCOUNT", "1"}});
    CHECK(console_has(leaked, "BUG: Bad rss-counter state mm:"));
    CHECK(console_has(leaked, "type:MM_ANONPAGES val:3"));
    CHECK(console_has(leaked, "BUG: non-zero pgtables_bytes on freeing mm: 20480"));
}
