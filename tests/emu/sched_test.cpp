// Tasks, the scheduler, interrupts and injection: the guest's preempt_count
// and DAIF masking as Linux has them, delivery that waits for the unmask or
// for preempt_enable(), lazy MMU state per task across a switch, and each
// policy's interrupt-context rules.
#include <doctest/doctest.h>

#include <algorithm>

#include "emu/machine.h"
#include "lazymmu/nesting.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;
using test::inject;

namespace {

emu::RunResult run(const std::string& code, std::vector<emu::Injection> injections, int cpus = 1,
                   lazymmu::Policy policy = lazymmu::Policy::Arm64V616) {
    emu::MachineConfig cfg;
    cfg.policy = policy;
    cfg.cpus = cpus;
    cfg.injections = std::move(injections);
    return test::run_guest(code, cfg);
}

bool has_note(const emu::RunResult& r, const std::string& text) {
    return std::any_of(r.notes.begin(), r.notes.end(), [&](const auto& n) { return n.find(text) != std::string::npos; });
}

using test::why;

}  // namespace

TEST_CASE("sched: preempt_count and the context predicates count as Linux counts them") {
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/interrupt.h>
        void soft_from_hard(void);
        void hard(void)
        {
            BUG_ON(!in_hardirq() || in_task() || !in_interrupt());
            BUG_ON((preempt_count() & HARDIRQ_MASK) != HARDIRQ_OFFSET);
            BUG_ON(!irqs_disabled());
            raise_softirq(soft_from_hard);
        }
        int soft_ran;
        void soft_from_hard(void)
        {
            BUG_ON(!in_serving_softirq() || in_hardirq() || in_task());
            BUG_ON(irqs_disabled());    /* softirqs run with interrupts on */
            soft_ran = 1;
        }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            BUG_ON(preempt_count() != 0 || !in_task() || !preemptible());
            preempt_disable();
            BUG_ON(preempt_count() != 1 || preemptible());
            preempt_enable();
            local_bh_disable();
            BUG_ON(!in_softirq() || in_serving_softirq() || in_task() == 0);
            local_bh_enable();
            step();
            BUG_ON(!soft_ran);
            BUG_ON(preempt_count() != 0);
        }
    )";
    const auto r = run(code, {inject("call:step", emu::InjectKind::Irq, "hard")});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}

TEST_CASE("sched: a hard interrupt injected inside local_irq_save() runs at local_irq_restore()") {
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/irqflags.h>
        int ran;
        void handler(void) { ran = 1; }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            unsigned long flags;

            local_irq_save(flags);
            step();
            BUG_ON(ran);
            local_irq_restore(flags);
            BUG_ON(!ran);
        }
    )";
    const auto r = run(code, {inject("call:step", emu::InjectKind::Irq, "handler")});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(has_note(r, "interrupts were masked at step+0x0"));
    CHECK(has_note(r, "delivered when interrupts were unmasked"));
    // Unmasked, the same interrupt runs at once, before step()'s first instruction.
    const auto at_once = run(R"(
        #include <linux/mm.h>
        int ran;
        void handler(void) { ran = 1; }
        noinline void step(void) { BUG_ON(!ran); }
        void scenario(void) { step(); }
    )", {inject("call:step", emu::InjectKind::Irq, "handler")});
    CHECK_MESSAGE(at_once.verdict == Verdict::Clean, why(at_once));
    CHECK(has_note(at_once, "irq handler() at call:step: taken at step+0x0"));
    CHECK_FALSE(has_note(at_once, "masked"));
}

TEST_CASE("sched: a backtrace through an interrupt names the interrupted PC itself, not the call before it") {
    const auto r = run(R"(
        #include <linux/mm.h>
        void handler(void) { BUG(); }
        noinline void step(void) { barrier(); }
        void scenario(void) { step(); }
    )", {inject("call:step", emu::InjectKind::Irq, "handler")});
    REQUIRE(r.incident);
    const auto& bt = r.incident->backtrace;
    const auto vector = std::find_if(bt.begin(), bt.end(), [](const auto& l) { return l.where.rfind("el1h_64_irq", 0) == 0; });
    REQUIRE(vector != bt.end());
    REQUIRE(vector + 1 != bt.end());
    // ELR is exact: a return address would be looked up at pc - 4, in the function before step().
    CHECK((vector + 1)->where.rfind("step+0x0/", 0) == 0);
}

TEST_CASE("sched: a preemption inside preempt_disable() happens at preempt_enable()") {
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/sched.h>
        int ran;
        void other(void) { BUG_ON(!in_task()); ran = 1; }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            preempt_disable();
            step();
            BUG_ON(ran);
            preempt_enable();
            BUG_ON(!ran);
        }
    )";
    const auto r = run(code, {inject("call:step", emu::InjectKind::Preempt, "other")});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(has_note(r, "preemption of swapper/0 deferred"));
}

TEST_CASE("sched: a CONFIG_PREEMPT_NONE kernel is preempted only at cond_resched()") {
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/sched.h>
        int ran;
        void other(void) { ran = 1; }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            step();
            preempt_disable();
            preempt_enable();
            BUG_ON(ran);
            cond_resched();
            BUG_ON(!ran);
        }
    )";
    const auto image = test::build_guest(code, {{"CONFIG_PREEMPT_NONE", "1"}});
    emu::MachineConfig cfg;
    cfg.injections = {inject("call:step", emu::InjectKind::Preempt, "other")};
    const auto r = emu::Machine(image, cfg).run();
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    // Fully preemptible, the same preemption happens when the interrupt returns.
    CHECK(run(code, {inject("call:step", emu::InjectKind::Preempt, "other")}).verdict == Verdict::Bug);
}

TEST_CASE("sched: lazy MMU state belongs to the task across a context switch, under every policy") {
    // The scenario's task is preempted inside a section (allowed; sleeping
    // is not) by a kernel thread that opens and closes a section of its own:
    // no nesting, and the task's section is intact when it runs again.
    const std::string code = R"(
        #include <linux/mm.h>
        int ran;
        void other(void)
        {
            BUG_ON(is_lazy_mmu_mode_active());
            lazy_mmu_mode_enable();
            lazy_mmu_mode_disable();
            ran = 1;
        }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            lazy_mmu_mode_enable();
            step();
            BUG_ON(!ran);
            BUG_ON(!is_lazy_mmu_mode_active());
            lazy_mmu_mode_disable();
        }
    )";
    for (const auto& p : lazymmu::policies()) {
        CAPTURE(p.name);
        const auto r = run(code, {inject("call:step", emu::InjectKind::Preempt, "other")}, 1, p.policy);
        CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    }
    // Sleeping in the section instead is the contract's violation.
    const auto sleeps = run(R"(
        #include <linux/mm.h>
        void scenario(void)
        {
            lazy_mmu_mode_enable();
            yield();
            lazy_mmu_mode_disable();
        }
    )", {});
    REQUIRE(sleeps.verdict == Verdict::Hazard);
    CHECK(sleeps.incident->hazard == Hazard::SleepInLazy);
}

TEST_CASE("sched: the lazy MMU API does nothing in interrupt context, under every policy") {
    // A softirq in the middle of the task's section uses the API itself.
    const std::string code = R"(
        #include <linux/mm.h>
        void handler(void)
        {
            lazy_mmu_mode_enable();
            lazy_mmu_mode_disable();
        }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            lazy_mmu_mode_enable();
            step();
            BUG_ON(!is_lazy_mmu_mode_active());
            lazy_mmu_mode_disable();
        }
    )";
    for (const auto& p : lazymmu::policies()) {
        CAPTURE(p.name);
        const auto r = run(code, {inject("call:step", emu::InjectKind::Softirq, "handler")}, 1, p.policy);
        CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    }
}

TEST_CASE("sched: a handler that changes the interrupted task's lazy state is a lazy-leak at its return") {
    const auto r = run(R"(
        #include <linux/mm.h>
        void handler(void) { clear_thread_flag(TIF_LAZY_MMU); }
        noinline void step(void) { barrier(); }
        void scenario(void)
        {
            lazy_mmu_mode_enable();
            step();
            lazy_mmu_mode_disable();
        }
    )", {inject("call:step", emu::InjectKind::Irq, "handler")});
    REQUIRE(r.verdict == Verdict::Hazard);
    CHECK(r.incident->hazard == Hazard::LazyLeak);
    CHECK(r.incident->message.find("handler() returned") != std::string::npos);
    CHECK(r.incident->message.find("TIF_LAZY_MMU set -> clear") != std::string::npos);
}

TEST_CASE("sched: kernel threads block, are woken, exit; exiting in lazy mode is a lazy-leak") {
    const std::string code = R"(
        #include <linux/mm.h>
        #include <linux/kthread.h>
        #include <linux/completion.h>
        static DECLARE_COMPLETION(started);
        static DECLARE_COMPLETION(go);
        static int thread(void *data)
        {
            complete(&started);
            wait_for_completion(&go);
        #ifdef LEAK
            lazy_mmu_mode_enable();
        #endif
            return 0;
        }
        void scenario(void)
        {
            BUG_ON(!kthread_run(thread, NULL, "waiter"));
            wait_for_completion(&started);
            complete(&go);
            yield();
        }
    )";
    const auto r = run(code, {});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    const auto leak = run("#define LEAK\n" + code, {});
    REQUIRE(leak.verdict == Verdict::Hazard);
    CHECK(leak.incident->hazard == Hazard::LazyLeak);
    CHECK(leak.incident->message.find("task waiter exited") != std::string::npos);
}

TEST_CASE("sched: a task blocked with nothing left to run is a deadlock, not a hang") {
    const auto r = run(R"(
        #include <linux/mm.h>
        #include <linux/sched.h>
        void scenario(void)
        {
            set_current_state(TASK_UNINTERRUPTIBLE);
            schedule();
        }
    )", {});
    REQUIRE(r.verdict == Verdict::GuestFault);
    CHECK(r.incident->message.find("deadlock") != std::string::npos);
}

TEST_CASE("sched: sleeping with preemption disabled is the kernel's BUG, in its words") {
    const auto r = run(R"(
        #include <linux/mm.h>
        #include <linux/sched.h>
        void scenario(void)
        {
            preempt_disable();
            schedule();
        }
    )", {});
    REQUIRE(r.verdict == Verdict::Bug);
    CHECK(r.incident->message.find("BUG: sleeping function called from invalid context") != std::string::npos);
    CHECK(r.incident->message.find("in_atomic(): 1, irqs_disabled(): 0") != std::string::npos);
}

TEST_CASE("sched: a handler that faults or never returns gets its verdict") {
    const std::string code = R"(
        #include <linux/mm.h>
        void faults(void) { (void)READ_ONCE(*(unsigned long *)0x10); }
        void spins(void) { for (;;) barrier(); }
        noinline void step(void) { barrier(); }
        void scenario(void) { step(); }
    )";
    const auto fault = run(code, {inject("call:step", emu::InjectKind::Irq, "faults")});
    REQUIRE(fault.verdict == Verdict::Hazard);
    CHECK(fault.incident->hazard == Hazard::KernelFault);
    const auto image = test::build_guest(code, {});
    emu::MachineConfig cfg;
    cfg.budget_blocks = 1'000'000;
    cfg.injections = {inject("call:step", emu::InjectKind::Softirq, "spins")};
    const auto spun = emu::Machine(image, cfg).run();
    CHECK(spun.verdict == Verdict::Timeout);
    CHECK_FALSE(spun.wall_clock_stopped);
}

TEST_CASE("sched: injection points count their events; a point that never happens fires nothing") {
    const std::string code = R"(
        #include <linux/mm.h>
        int calls;
        void handler(void) { calls++; }
        noinline void step(void) { barrier(); }
        void scenario(void) { step(); step(); step(); BUG_ON(calls != 1); }
    )";
    auto counting = inject("call:step:*", emu::InjectKind::Irq, "handler");
    counting.at.nth = 0;  // count only
    const auto r = run(code, {counting});
    REQUIRE(r.injected.size() == 1);
    CHECK(r.injected[0].events == 3);
    CHECK(r.injected[0].by_cpu[0] == 3);
    CHECK_FALSE(r.injected[0].taken);
    const auto second = run(code, {inject("call:step:2", emu::InjectKind::Irq, "handler")});
    CHECK(second.verdict == Verdict::Clean);
    CHECK(second.injected.at(0).taken);
    const auto fourth = run(code, {inject("call:step:4", emu::InjectKind::Irq, "handler")});
    CHECK(fourth.verdict == Verdict::Bug);
    CHECK_FALSE(fourth.injected.at(0).taken);
    CHECK(fourth.injected.at(0).events == 3);
    // Two injections on one function: each call is counted once for each.
    const auto both = run(R"(
        #include <linux/mm.h>
        int first, second;
        void on_first(void) { first++; }
        void on_second(void) { BUG_ON(!first); second++; }
        noinline void step(void) { barrier(); }
        void scenario(void) { step(); BUG_ON(second); step(); step(); BUG_ON(first != 1 || second != 1); }
    )", {inject("call:step", emu::InjectKind::Irq, "on_first"), inject("call:step:2", emu::InjectKind::Irq, "on_second")});
    CHECK_MESSAGE(both.verdict == Verdict::Clean, why(both));
}
