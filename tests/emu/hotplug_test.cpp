// CPU hotplug (kernel/cpu.c, arch/arm64/kernel/smp.c, emu/smp.cpp): a CPU
// taken down powers off and its tasks run elsewhere, one brought back runs
// tasks again, an IPI to a powered-off CPU is the guest's fault, and RCU
// readers on a CPU RCU ignores are lockdep's "suspicious RCU usage".
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
const char* const kHeaders = R"(
    #include <linux/kernel.h>
    #include <linux/cpu.h>
    #include <linux/smp.h>
    #include <linux/sched.h>
    #include <linux/sched/mm.h>
    #include <linux/kthread.h>
    #include <linux/completion.h>
    #include <linux/rcupdate.h>
)";

emu::RunResult run(const std::string& code, std::map<std::string, std::string> defines = {}, int cpus = 2) {
    defines.emplace("CONFIG_MMU_LAZY_TLB_REFCOUNT", "1");
    const auto image = test::build_guest(kHeaders + code, defines);
    emu::MachineConfig cfg;
    cfg.cpus = cpus;
    emu::Machine m(image, cfg);
    return m.run();
}

std::string why(const emu::RunResult& r) { return r.incident ? r.incident->message : std::string("clean"); }

// A thread bound to CPU 1 records where it ran.
const char* const kWhereThreadRuns = R"(
    static struct completion done;
    static int ran_on;
    static int where(void *data)
    {
        ran_on = smp_processor_id();
        complete(&done);
        return 0;
    }
    static int run_bound_to_1(void)
    {
        struct task_struct *t = kthread_create(where, NULL, "bound");
        BUG_ON(!t);
        init_completion(&done);
        kthread_bind(t, 1);
        wake_up_process(t);
        wait_for_completion(&done);
        return ran_on;
    }
)";
}  // namespace

TEST_CASE("hotplug: a CPU taken down runs nothing; brought back, it runs its tasks again") {
    const auto r = run(std::string(kWhereThreadRuns) + R"(
        void scenario(void)
        {
            BUG_ON(run_bound_to_1() != 1);
            BUG_ON(remove_cpu(1));
            BUG_ON(cpu_online(1) || num_online_cpus() != 1);
            BUG_ON(idle_thread_get(1)->active_mm);	/* finish_cpu() let go of it */
            BUG_ON(run_bound_to_1() != 0);		/* select_fallback_rq() */
            BUG_ON(remove_cpu(1) != -EINVAL);
            BUG_ON(add_cpu(1));
            BUG_ON(!cpu_online(1) || idle_thread_get(1)->active_mm != &init_mm);
            BUG_ON(run_bound_to_1() != 1);
            BUG_ON(remove_cpu(1));			/* and again */
            BUG_ON(add_cpu(1));
            BUG_ON(run_bound_to_1() != 1);
        }
    )");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.warnings.empty());
}

TEST_CASE("hotplug: an IPI to a powered-off CPU is a guest fault that names it") {
    const auto r = run(R"(
        void scenario(void)
        {
            BUG_ON(remove_cpu(1));
            smp_send_reschedule(1);
        }
    )");
    CHECK(r.verdict == Verdict::GuestFault);
    CHECK(why(r).find("reschedule IPI to CPU 1, which is powered off") != std::string::npos);
}

TEST_CASE("hotplug: the dying CPU's lazy mm is dropped while RCU still watches it") {
    // A process's last thread exits on CPU 1, whose idle task then holds the
    // mm's last reference; taking CPU 1 down frees it in sched_cpu_wait_empty().
    const std::string code = R"(
        static struct mm_struct *mm;
        static struct completion exited;
        int exec_mmap(struct mm_struct *mm);
        static int user(void *data) { exec_mmap(mm); complete(&exited); return 0; }
        void scenario(void)
        {
            struct task_struct *t = kthread_create(user, NULL, "user");
            init_completion(&exited);
            mm = mm_alloc();
            BUG_ON(!mm || !t);
            kthread_bind(t, 1);
            wake_up_process(t);
            wait_for_completion(&exited);
            BUG_ON(atomic_read(&mm->mm_count) != 1);	/* CPU 1's lazy reference */
            BUG_ON(remove_cpu(1));
        }
    )";
    const auto r = run(code, {{"CONFIG_LOCKDEP", "1"}, {"CONFIG_MM_INVARIANTS", "1"}});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}

TEST_CASE("hotplug: an RCU reader on a CPU that RCU ignores is suspicious RCU usage (PROVE_RCU)") {
    const std::string code = R"(
        void scenario(void)
        {
            rcu_read_lock();
            rcu_read_unlock();
            rcutree_report_cpu_dead();
            rcu_read_lock();
            rcu_read_unlock();
        }
    )";
    const auto r = run(code, {{"CONFIG_LOCKDEP", "1"}}, 1);
    CHECK(r.verdict == Verdict::Hazard);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::SuspiciousRcuUsage);
    CHECK(r.incident->message.find("RCU used illegally from offline CPU!") != std::string::npos);
    REQUIRE_FALSE(r.incident->backtrace.empty());
    CHECK(r.incident->backtrace.front().where.find("scenario+") == 0);
    // Without PROVE_RCU nothing checks.
    CHECK(run(code, {}, 1).verdict == Verdict::Clean);
}
