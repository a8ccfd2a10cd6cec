// CONFIG_LOCKDEP's usage checks: each rule in a scenario of its own.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
// `body` runs in scenario() with a spinlock `lock`; `in_irq()` is a
// handler that may be injected (`kind`) at the call of `irq_here()`.
emu::RunResult run_locks(const std::string& body, const std::string& handler, emu::InjectKind kind) {
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/spinlock.h>
        static DEFINE_SPINLOCK(lock);
        void in_irq(void) {{ {} }}
        noinline void irq_here(void) {{ barrier(); }}
        void scenario(void)
        {{
            unsigned long flags;
            {}
        }}
    )",
                                                     handler, body),
                                         {{"CONFIG_LOCKDEP", "1"}});
    emu::MachineConfig cfg;
    cfg.injections.push_back(test::inject("call:irq_here", kind, "in_irq"));
    emu::Machine m(image, cfg);
    return m.run(cfg);
}
}  // namespace

TEST_CASE("lockdep: a lock taken with softirqs on and then in a softirq is an inconsistent lock state") {
    const auto r = run_locks("spin_lock(&lock); spin_unlock(&lock); irq_here();",
                             "spin_lock(&lock); spin_unlock(&lock);", emu::InjectKind::Softirq);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::InconsistentLockState);
    CHECK(r.incident->message.find("inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.") != std::string::npos);
    CHECK(r.incident->message.find("[HC0[0]:SC1[1]:HE1:SE0]") != std::string::npos);
    CHECK(r.incident->message.find("{SOFTIRQ-ON-W} state was registered at:\n  scenario+") != std::string::npos);
}

TEST_CASE("lockdep: the other order, in a hard interrupt first and then with interrupts on, is reported too") {
    const auto r = run_locks("irq_here(); spin_lock(&lock); spin_unlock(&lock);", "spin_lock(&lock); spin_unlock(&lock);",
                             emu::InjectKind::Irq);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::InconsistentLockState);
    CHECK(r.incident->message.find("inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage.") != std::string::npos);
}

TEST_CASE("lockdep: spin_lock_irqsave() in process context and spin_lock() in the hard interrupt is consistent") {
    const auto r = run_locks("spin_lock_irqsave(&lock, flags); spin_unlock_irqrestore(&lock, flags); irq_here();",
                             "spin_lock(&lock); spin_unlock(&lock);", emu::InjectKind::Irq);
    CHECK(r.verdict == Verdict::Clean);
    if (r.incident) MESSAGE(r.incident->message);
}

TEST_CASE("lockdep: taking a lock the task holds is recursive locking, reported before the spin") {
    const auto r = run_locks("spin_lock(&lock); spin_lock(&lock);", "", emu::InjectKind::Irq);
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::RecursiveLocking);
    CHECK(r.incident->message.find("*** DEADLOCK ***") != std::string::npos);
}
