// A small lockdep (kernel/locking/lockdep.c's usage checks), for kernels
// built with CONFIG_LOCKDEP: spin_lock() and friends tell the host before
// they take a spinlock_t and after they release it. Each lock remembers in
// which contexts it has been taken (in hard or soft interrupt; with hard or
// soft interrupts enabled) and where first; a lock taken in an interrupt
// that is also taken where that interrupt may come is reported as lockdep
// reports it ("inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage"), even
// in a run where the interrupt never lands inside the section. Taking a
// lock the task already holds is "possible recursive locking detected":
// the spin would never end. Locks are told apart by address, not class.
// PROVE_RCU's check that RCU watches a CPU entering a read-side critical
// section reports here too (rcu_suspicious()).
#include "emu/machine_impl.h"

namespace lmemu::emu {

namespace {
constexpr uint32_t kSoftirqOffset = 1u << 8, kSoftirqMask = 0xff00, kHardirqMask = 0xf0000;
const char* const kUsageNames[] = {"IN-HARDIRQ-W", "HARDIRQ-ON-W", "IN-SOFTIRQ-W", "SOFTIRQ-ON-W"};
}  // namespace

void Machine::Impl::lock_acquire(uint64_t lock) {
    const uint64_t ip = hvc_pc_;  // spin_lock() is inline: the hypercall is in the caller
    const auto s = lazy_state(running_);
    const bool in_hardirq = s.preempt_count & kHardirqMask;
    const bool in_softirq = (s.preempt_count & kSoftirqMask) & kSoftirqOffset;
    const bool hardirqs_on = !irqs_masked();
    const bool softirqs_on = !(s.preempt_count & (kSoftirqMask | kHardirqMask));
    const uint64_t task = current_task(running_);
    const std::string name = task_name(task);
    const std::string lock_name = fmt::format("{:#x} ({})", lock, image_.symbolize(lock));
    const std::string header = fmt::format("{} on CPU {} [HC{}[{}]:SC{}[{}]:HE{}:SE{}] takes:\n{}, at: {}", name, running_,
                                           in_hardirq ? 1 : 0, (s.preempt_count & kHardirqMask) >> 16,
                                           in_softirq ? 1 : 0, (s.preempt_count & kSoftirqMask) >> 8,
                                           hardirqs_on ? 1 : 0, softirqs_on ? 1 : 0, lock_name, image_.symbolize(ip));
    auto& held = held_locks_[task];
    if (std::find(held.begin(), held.end(), lock) != held.end()) {
        Incident i = incident_here(fmt::format(
            "============================================\nWARNING: possible recursive locking detected\n"
            "--------------------------------------------\n{} is trying to acquire lock:\n{}, at: {}\n\nbut task is "
            "already holding lock:\n{}\n\n*** DEADLOCK ***",
            name, lock_name, image_.symbolize(ip), lock_name));
        i.hazard = Hazard::RecursiveLocking;
        return end(Verdict::Hazard, std::move(i));
    }
    held.push_back(lock);

    LockUsage& u = lock_usage_[lock];
    const std::vector<Location> here = symbolize(raw_backtrace(ip, uc().x(30), uc().x(29)));
    auto mark = [&](LockUsage::Bit bit, LockUsage::Bit conflict) {
        if (u.first[bit].empty()) u.first[bit] = here;
        if (u.first[conflict].empty()) return true;
        std::string stack;
        for (const auto& l : u.first[conflict]) stack += fmt::format("  {}{}\n", l.where, l.source.empty() ? "" : " (" + l.source + ")");
        Incident i = incident_here(fmt::format(
            "================================\nWARNING: inconsistent lock state\n--------------------------------\n"
            "inconsistent {{{}}} -> {{{}}} usage.\n{}\n{{{}}} state was registered at:\n{}",
            kUsageNames[conflict], kUsageNames[bit], header, kUsageNames[conflict], stack));
        i.hazard = Hazard::InconsistentLockState;
        end(Verdict::Hazard, std::move(i));
        return false;
    };
    if (in_hardirq && !mark(LockUsage::InHardirq, LockUsage::HardirqOn)) return;
    if (in_softirq && !mark(LockUsage::InSoftirq, LockUsage::SoftirqOn)) return;
    if (hardirqs_on && !mark(LockUsage::HardirqOn, LockUsage::InHardirq)) return;
    if (softirqs_on && !mark(LockUsage::SoftirqOn, LockUsage::InSoftirq)) return;
}

void Machine::Impl::lock_release(uint64_t lock) {
    auto& held = held_locks_[current_task(running_)];
    const auto it = std::find(held.rbegin(), held.rend(), lock);
    if (it == held.rend())
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("{} releases lock {:#x} ({}), which it does not hold",
                                             task_name(current_task(running_)), lock, image_.symbolize(lock))));
    held.erase(std::next(it).base());
}

// lockdep_rcu_suspicious(): an RCU reader where RCU does not watch. The one
// such place lmemu knows is a CPU past rcutree_report_cpu_dead() on its way
// down, which RCU ignores: a grace period may end under the reader.
void Machine::Impl::rcu_suspicious(uint64_t file, uint64_t line, uint64_t message) {
    const auto f = read_string(file, 256), m = read_string(message, 256);
    if (!f || !m)
        return end(Verdict::GuestFault, incident_here(fmt::format("hypercall RCU_SUSPICIOUS: bad guest pointer {:#x}", !f ? file : message)));
    Incident i = incident_here(fmt::format(
        "=============================\nWARNING: suspicious RCU usage\n-----------------------------\n{}:{} {}!\n\n"
        "other info that might help us debug this:\n\nRCU used illegally from offline CPU!\n{} on CPU {} is running",
        *f, line, *m, task_name(current_task(running_)), running_));
    i.hazard = Hazard::SuspiciousRcuUsage;
    end(Verdict::Hazard, std::move(i));
}

}  // namespace lmemu::emu
