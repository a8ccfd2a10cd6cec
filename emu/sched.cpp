// The host side of the guest's scheduler (kernel/kernel/sched/core.c): task
// names and per-task lazy MMU trackers, kernel thread stacks, task exit,
// idle CPUs and reschedule IPIs. The guest does the scheduling itself; the
// host only decides which CPU runs when the running one has nothing to do.
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

std::string Machine::Impl::task_name(uint64_t task) const {
    const auto name = read_string(task + LMEMU_TASK_COMM_OFFSET, LMEMU_TASK_COMM_LEN - 1);
    return name && !name->empty() ? *name : fmt::format("task@{:#x}", task);
}

lazymmu::NestingTracker& Machine::Impl::tracker(uint64_t task) {
    return trackers_.try_emplace(task, config_.policy).first->second;
}

const lazymmu::NestingTracker* Machine::Impl::find_tracker(uint64_t task) const {
    const auto it = trackers_.find(task);
    return it == trackers_.end() ? nullptr : &it->second;
}

// Maps a kernel thread's stack slot the first time it is used (what
// alloc_thread_stack_node()'s vmalloc would do), guard page below left unmapped.
uint64_t Machine::Impl::task_stack(uint64_t slot) {
    if (slot >= LMEMU_MAX_TASKS) {
        end(Verdict::GuestFault, incident_here(fmt::format("hypercall TASK_STACK: no task slot {}", slot)));
        return 0;
    }
    const uint64_t top = LMEMU_TASK_STACK_TOP - slot * LMEMU_STACK_STRIDE;
    if (!stack_mapped_[slot]) {
        for (uint64_t va = top - LMEMU_STACK_SIZE; va < top; va += kPage) map_page(va, alloc_frame(), pgtable::prot::kKernel);
        stack_mapped_[slot] = true;
    }
    return top;
}

// The running CPU has nothing to run (wfi) until an IPI: another CPU that
// can run goes on (a choice if several can); if none can, nothing ever will.
void Machine::Impl::cpu_idle() {
    // An IPI that arrived since it last checked: wfi returns at once, and the
    // idle loop looks again (else a wake-up sent just before the wfi is lost).
    if (std::exchange(cpu().kicked, false)) return;
    cpu().idle = true;
    for (int c = 0; c < config_.cpus; ++c) {
        if (c == running_ || !can_run(c)) continue;
        trace(TraceModule::Sched, [&] { return fmt::format("CPU {} idle", running_); });
        return schedule_point(PointKind::Idle, hvc_pc_);
    }
    std::vector<std::string> where;
    for (int c = 0; c < config_.cpus; ++c)
        if (cpus_[c]->started) where.push_back(fmt::format("CPU {}: {}", c, task_name(current_task(c))));
    end(Verdict::GuestFault,
        incident_here(fmt::format("deadlock: every CPU is idle and no task is runnable or interrupt pending ({})",
                                  fmt::join(where, ", "))));
}

void Machine::Impl::send_ipi(uint64_t target) {
    if (target >= cpus_.size())
        return end(Verdict::GuestFault, incident_here(fmt::format("reschedule IPI to CPU {}, which does not exist", target)));
    if (powered_off(target, "reschedule IPI")) return;
    trace(TraceModule::Sched, [&] { return fmt::format("reschedule IPI from CPU {} to CPU {}", running_, target); });
    if (static_cast<int>(target) == running_) return;
    Cpu& t = *cpus_[target];
    t.kicked = true;  // wakes it if idle, else its next wfi returns
    // A CPU that is running a task takes the IPI as an interrupt; one IPI of
    // a kind is pending at a time, as on a GIC.
    const bool pending = std::any_of(t.pending.begin(), t.pending.end(),
                                     [](const PendingIrq& p) { return p.kind == InjectKind::Resched; });
    if (t.started && !t.idle && !pending)
        t.pending.push_back({InjectKind::Resched, 0, -1, fmt::format("reschedule IPI from CPU {}", running_)});
}

// Stops the running engine; `target` runs next, from its idle loop the first time.
void Machine::Impl::switch_cpu(int target) {
    Cpu& t = *cpus_[target];
    // A kick wakes an idle (or new) CPU; one that was preempted keeps it
    // pending for its next wfi.
    if (t.idle || !t.started) t.kicked = false;
    t.idle = false;
    resumed_ = t.started;
    if (!t.started) {
        const auto entry = image_.symbol("secondary_startup");
        if (!entry) return end(Verdict::GuestFault, incident_here("the kernel image has no secondary_startup"));
        t.uc.set_reg(UC_ARM64_REG_PC, *entry);
        t.uc.set_reg(UC_ARM64_REG_SP, stack_top(target));
        t.started = true;
        if (config_.timeline) result_.timeline.push_back({blocks_, target, 'B', "task", task_name(current_task(target))});
    }
    switch_to_ = target;
    uc().stop();
}

}  // namespace lmemu::emu
