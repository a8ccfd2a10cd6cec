#include <doctest/doctest.h>
#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Verdict;

namespace {
emu::MachineConfig two_cpus() {
    emu::MachineConfig cfg;
    cfg.cpus = 2;
    return cfg;
}

// Runs with one preemption: at choice `k`, the other CPU; else the default.
emu::RunResult preempt_at(emu::Machine& m, size_t k) {
    emu::MachineConfig cfg = two_cpus();
    cfg.choose = [k](const emu::ChoicePoint& p) {
        if (p.index != k) return emu::default_choice(p);
        for (const int c : p.enabled)
            if (c != p.running) return c;
        return p.running;
    };
    return m.run(cfg);
}

// How many of the single-preemption schedules end in `v`.
int count_verdicts(const std::string& code, Verdict v, size_t& choices) {
    const auto image = test::build_guest(code);
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    const auto base = m.run(two_cpus());
    CHECK(base.verdict == Verdict::Clean);
    choices = base.steps.size();
    int n = 0;
    for (size_t k = 0; k < choices; ++k) n += preempt_at(m, k).verdict == v;
    return n;
}
}  // namespace

TEST_CASE("interleave: by default CPUs change hands only where one has nothing to do") {
    const auto image = test::build_guest(test::two_cpu_counter(test::kRacyIncrement));
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    const auto r = m.run(two_cpus());
    CHECK(r.verdict == Verdict::Clean);
    REQUIRE_FALSE(r.steps.empty());
    for (const auto& s : r.steps) CHECK(s.next == emu::default_choice({0, s.cpu, s.kind != emu::PointKind::Yield && s.kind != emu::PointKind::Idle, {0, 1}, s.kind}));
}

TEST_CASE("interleave: one preemption between a read and its write back loses an update; an atomic add cannot") {
    size_t choices = 0;
    const int lost = count_verdicts(test::two_cpu_counter(test::kRacyIncrement), Verdict::Bug, choices);
    CHECK(choices > 2);
    CHECK(lost > 0);
    CHECK(lost < static_cast<int>(choices));
    size_t atomic_choices = 0;
    CHECK(count_verdicts(test::two_cpu_counter(test::kAtomicIncrement), Verdict::Bug, atomic_choices) == 0);
    CHECK(atomic_choices > 0);
}

TEST_CASE("interleave: the same choices give the same run, step for step") {
    const auto image = test::build_guest(test::two_cpu_counter(test::kRacyIncrement));
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    const auto first = preempt_at(m, 1);
    const auto again = preempt_at(m, 1);
    REQUIRE(first.steps.size() == again.steps.size());
    for (size_t i = 0; i < first.steps.size(); ++i) {
        CHECK(first.steps[i].cpu == again.steps[i].cpu);
        CHECK(first.steps[i].next == again.steps[i].next);
        CHECK(first.steps[i].at.pc == again.steps[i].at.pc);
    }
    CHECK(first.verdict == again.verdict);
}

TEST_CASE("interleave: switches at block boundaries resume where they stopped, on fresh and restored machines") {
    // A scheduling point every block and a switch at every choice: many
    // stops from block hooks, where Unicorn's own PC can be stale.
    const auto image = test::build_guest(test::two_cpu_counter(test::kRacyIncrement));
    emu::MachineConfig cfg = two_cpus();
    cfg.quantum_blocks = 1;
    cfg.choose = [](const emu::ChoicePoint& p) {
        for (const int c : p.enabled)
            if (c != p.running) return c;
        return p.running;
    };
    auto same = [](const emu::RunResult& a, const emu::RunResult& b) {
        CHECK(a.verdict == b.verdict);
        REQUIRE(a.steps.size() == b.steps.size());
        for (size_t i = 0; i < a.steps.size(); ++i) {
            CHECK(a.steps[i].at.pc == b.steps[i].at.pc);
            CHECK(a.steps[i].next == b.steps[i].next);
        }
        CHECK(a.metrics.dmb == b.metrics.dmb);
    };
    const auto fresh = emu::Machine(image, cfg).run();
    CHECK(fresh.steps.size() > 20);
    CHECK((fresh.verdict == Verdict::Clean || fresh.verdict == Verdict::Bug));
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    for (int i = 0; i < 3; ++i) same(fresh, m.run(cfg));
}

TEST_CASE("interleave: unobserved, CPUs still hand over at yields and atomics (bench --no-model runs the same schedules)") {
    // CPU 0 spins until CPU 1 sets the flag: only a hand-over at its yield lets CPU 1 run.
    const auto image = test::build_guest(R"(
        #include <linux/kernel.h>
        #include <asm/barrier.h>
        #include <asm/processor.h>
        static int flag;
        static void waiter(void) { while (!smp_load_acquire(&flag)) cpu_relax(); }
        static void setter(void) { smp_store_release(&flag, 1); }
        void lmemu_run_threads(void (*const fns[])(void), const char *const names[], int n);
        void scenario(void)
        {
            static void (*const fns[])(void) = { waiter, setter };
            static const char *const names[] = { "waiter", "setter" };
            lmemu_run_threads(fns, names, 2);
        }
    )");
    emu::MachineConfig cfg = two_cpus();
    cfg.observe = false;
    cfg.budget_blocks = 1'000'000;
    const auto r = emu::Machine(image, cfg).run();
    CHECK(r.verdict == Verdict::Clean);
    CHECK_FALSE(r.steps.empty());
}

TEST_CASE("interleave: smp_call_function_single(wait = 0) is an IPI the other CPU takes where it runs; the caller goes on") {
    // CPU 1 spins in its thread with interrupts on: the IPI must interrupt
    // the spin (taken when CPU 1 resumes), and nothing else ends it.
    const auto image = test::build_guest(test::two_threads(R"(
        #include <linux/kernel.h>
        #include <linux/smp.h>
        #include <linux/preempt.h>
        #include <asm/barrier.h>
        #include <asm/processor.h>
        static int ran_on = -1, in_irq_ctx, caller_went_on, spinning;
        static void ipi(void *info) { WRITE_ONCE(in_irq_ctx, in_hardirq()); smp_store_release(&ran_on, smp_processor_id() + *(int *)info); }
        static void first(void)
        {
            static int zero;
            while (!smp_load_acquire(&spinning))
                cpu_relax();
            smp_call_function_single(1, ipi, &zero, 0);
            WRITE_ONCE(caller_went_on, READ_ONCE(ran_on) == -1);  /* not run yet: nothing waited */
            while (smp_load_acquire(&ran_on) < 0)
                cpu_relax();
        }
        static void second(void)
        {
            smp_store_release(&spinning, 1);
            while (smp_load_acquire(&ran_on) < 0)
                cpu_relax();
        }
    )", "BUG_ON(ran_on != 1 || !in_irq_ctx || !caller_went_on);"));
    emu::MachineConfig cfg = two_cpus();
    cfg.budget_blocks = 1'000'000;
    emu::Machine m(image, cfg, emu::Machine::Runs::Many);
    for (int i = 0; i < 2; ++i) {  // fresh and restored
        const auto r = m.run(cfg);
        CHECK(r.verdict == Verdict::Clean);
        if (r.incident) MESSAGE(r.incident->message);
    }
}

TEST_CASE("interleave: a schedule that picks a CPU that cannot run is the schedule's error, not the guest's") {
    const auto image = test::build_guest(test::two_cpu_counter(test::kRacyIncrement));
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    emu::MachineConfig cfg = two_cpus();
    cfg.choose = [](const emu::ChoicePoint&) { return 3; };
    const auto r = m.run(cfg);
    REQUIRE(r.schedule_error);
    CHECK(r.schedule_error->find("choice 0 names 3, but only 0, 1 can be chosen there") != std::string::npos);
    // A schedule the run can follow leaves none.
    cfg.choose = nullptr;
    CHECK_FALSE(m.run(cfg).schedule_error);
}

namespace {
// CPU 0 calls on_each_cpu(count, wait) while CPU 1's thread spins with
// interrupts on; BUG_ON if `count` has not run on both CPUs when it returns.
std::string on_each_cpu_scenario(int wait) {
    return test::two_threads(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/smp.h>
        #include <linux/preempt.h>
        #include <linux/irqflags.h>
        #include <asm/barrier.h>
        #include <asm/processor.h>
        static int calls, done, wrong_context;
        static void count(void *info)
        {{
            /* The caller's CPU runs it with interrupts off, the others in their IPI. */
            if (smp_processor_id() == 0 ? !irqs_disabled() : !in_hardirq())
                WRITE_ONCE(wrong_context, 1);
            __atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED);
        }}
        static void first(void)
        {{
            on_each_cpu(count, NULL, {});
            BUG_ON(READ_ONCE(calls) != 2);
            BUG_ON(READ_ONCE(wrong_context));
            smp_store_release(&done, 1);
        }}
        static void second(void)
        {{
            while (!smp_load_acquire(&done))
                cpu_relax();
        }}
    )",
                                          wait));
}
}  // namespace

TEST_CASE("interleave: on_each_cpu(wait = 1) has run the function everywhere when it returns, in every schedule") {
    size_t choices = 0;
    CHECK(count_verdicts(on_each_cpu_scenario(1), Verdict::Bug, choices) == 0);
    CHECK(choices > 4);
}

TEST_CASE("interleave: on_each_cpu(wait = 0) returns before the other CPU has taken its IPI") {
    const auto image = test::build_guest(on_each_cpu_scenario(0));
    emu::Machine m(image, two_cpus());
    const auto r = m.run(two_cpus());
    CHECK(r.verdict == Verdict::Bug);
}

TEST_CASE("interleave: a task woken onto a busy CPU preempts it through the reschedule IPI; CONFIG_PREEMPT_NONE waits") {
    // CPU 1's thread spins until a task bound to CPU 1 runs: only the
    // reschedule IPI's preemption lets that task in.
    const std::string code = test::two_threads(R"(
        #include <linux/kernel.h>
        #include <linux/smp.h>
        #include <linux/kthread.h>
        #include <asm/barrier.h>
        #include <asm/processor.h>
        static int spinning, flag;
        static int setter(void *data) { smp_store_release(&flag, 1); return 0; }
        static void first(void)
        {
            struct task_struct *t;

            while (!smp_load_acquire(&spinning))
                cpu_relax();
            t = kthread_create(setter, NULL, "setter");
            BUG_ON(!t);
            kthread_bind(t, 1);
            wake_up_process(t);
        }
        static void second(void)
        {
            smp_store_release(&spinning, 1);
            while (!smp_load_acquire(&flag))
                cpu_relax();
        }
    )");
    emu::MachineConfig cfg = two_cpus();
    cfg.budget_blocks = 200'000;
    {
        const auto image = test::build_guest(code);
        emu::Machine m(image, cfg, emu::Machine::Runs::Many);
        for (int i = 0; i < 2; ++i) {  // fresh and restored
            const auto r = m.run(cfg);
            CHECK(r.verdict == Verdict::Clean);
            if (r.incident) MESSAGE(r.incident->message);
        }
    }
    const auto image = test::build_guest(code, {{"CONFIG_PREEMPT_NONE", "1"}});
    emu::Machine m(image, cfg);
    CHECK(m.run(cfg).verdict == Verdict::Timeout);
}
