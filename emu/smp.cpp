// Other CPUs: smp_call_function_single() switches the running engine. A
// target that has run before (idle, waiting for work) keeps its context: the
// call runs below its stack pointer, as an interrupt would, and the context
// is restored afterwards. CPU hotplug powers a CPU off and on (PSCI).
#include "emu/machine_impl.h"

namespace lmemu::emu {

// ---- other CPUs --------------------------------------------------------------------

// smp_call_function_single(): the calling CPU stops at its hypercall and
// `target` runs func(info) from secondary_entry (head.S) to completion.
void Machine::Impl::smp_call(uint64_t target, uint64_t func, uint64_t info) {
    const bool busy = target < cpus_.size() &&
                      (static_cast<int>(target) == running_ ||
                       std::find(waiting_.begin(), waiting_.end(), static_cast<int>(target)) != waiting_.end());
    if (powered_off(target, "smp_call_function_single()")) return;
    if (target >= cpus_.size() || busy)
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("smp_call_function_single() to CPU {}, which {}", target,
                                             busy ? "is waiting for this call: deadlock" : "does not exist")));
    const auto entry = image_.symbol("secondary_entry");
    if (!entry) return end(Verdict::GuestFault, incident_here("the kernel image has no secondary_entry"));
    Cpu& c = *cpus_[target];
    Unicorn& t = c.uc;
    uint64_t sp = stack_top(static_cast<int>(target));
    c.smp_resume = c.started;
    if (c.started) {
        if (!c.smp_saved) check(uc_context_alloc(t.raw(), &c.smp_saved), "uc_context_alloc");
        check(uc_context_save(t.raw(), c.smp_saved), "uc_context_save");
        sp = (t.reg(UC_ARM64_REG_SP) - 256) & ~uint64_t{15};
    }
    t.set_reg(UC_ARM64_REG_PC, *entry);
    t.set_reg(UC_ARM64_REG_SP, sp);
    t.set_reg(UC_ARM64_REG_X0, func);
    t.set_reg(UC_ARM64_REG_X1, info);
    t.set_reg(UC_ARM64_REG_X2, target);
    t.set_reg(UC_ARM64_REG_X29, 0);
    t.set_reg(UC_ARM64_REG_X30, 0);
    trace(TraceModule::LazyMmu, [&] { return fmt::format("CPU {} calls {} on CPU {}", running_, image_.symbolize(func), target); });
    waiting_.push_back(running_);
    switch_to_ = static_cast<int>(target);
    uc().stop();
}

// smp_call_function_single(wait = 0): an IPI waits on `target` and is taken
// when that CPU next runs with interrupts on (woken if idle); the caller goes on.
void Machine::Impl::smp_call_async(uint64_t target, uint64_t func, uint64_t info) {
    if (queue_call_ipi("smp_call_function_single(wait = 0)", target, func, info, 0)) uc().set_reg(UC_ARM64_REG_X0, 0);
}

// smp_call_function_many_cond(): the same IPI for one call_single_data,
// which the target unlocks when the function has run (kernel/smp.c).
void Machine::Impl::smp_call_csd(uint64_t target, uint64_t csd) {
    const auto func = read_virt(csd + offsetof(lmemu_csd, func), 8), info = read_virt(csd + offsetof(lmemu_csd, info), 8);
    if (!func || !info)
        return end(Verdict::GuestFault, incident_here(fmt::format("hypercall SMP_CALL_CSD: bad guest pointer {:#x}", csd)));
    queue_call_ipi("smp_call_function_many()", target, *func, *info, csd);
}

bool Machine::Impl::queue_call_ipi(std::string_view caller, uint64_t target, uint64_t func, uint64_t info, uint64_t csd) {
    if (!irq_vector_) {
        end(Verdict::GuestFault, incident_here("the kernel image has no el1h_64_irq to take an IPI"));
        return false;
    }
    if (powered_off(target, caller)) return false;
    if (target >= cpus_.size() || static_cast<int>(target) == running_) {
        end(Verdict::GuestFault, incident_here(fmt::format("{} to CPU {}, which {}", caller, target,
                                                           target >= cpus_.size() ? "does not exist" : "is the caller")));
        return false;
    }
    trace(TraceModule::Sched, [&] { return fmt::format("CPU {} sends an IPI to CPU {}: {}", running_, target, image_.symbolize(func)); });
    Cpu& t = *cpus_[target];
    PendingIrq irq{InjectKind::Call, func, -1, fmt::format("IPI from CPU {} running {}()", running_, image_.function_at(func)), info};
    irq.csd = csd;
    t.pending.push_back(std::move(irq));
    t.kicked = true;  // as any IPI: wakes it if idle, else its next wfi returns
    return true;
}

void Machine::Impl::smp_return() {
    if (waiting_.empty())
        return end(Verdict::GuestFault, incident_here("SMP return hypercall outside an smp_call_function_single()"));
    // Like returning from an interrupt: a callback may not leave lazy MMU mode on.
    if (auto leak = lazy_leak(running_, "smp_call_function_single() callback returned"))
        return end(Verdict::Hazard, std::move(*leak));
    if (cpu().smp_resume) check(uc_context_restore(uc().raw(), cpu().smp_saved), "uc_context_restore");
    switch_to_ = waiting_.back();
    waiting_.pop_back();
    cpus_[switch_to_]->uc.set_reg(UC_ARM64_REG_X0, 0);  // smp_call_function_single() returns 0
    uc().stop();
}

// ---- CPU hotplug -------------------------------------------------------------------

// An IPI to a CPU that is powered off would never be taken (Linux sends
// none: the CPU left cpu_online_mask first). The guest fault names who sent it.
bool Machine::Impl::powered_off(uint64_t target, std::string_view what) {
    if (target >= cpus_.size() || !cpus_[target]->off) return false;
    end(Verdict::GuestFault, incident_here(fmt::format("{} to CPU {}, which is powered off (cpu_die())", what, target)));
    return true;
}

// cpu_die()'s PSCI CPU_OFF: the running CPU stops for good, with whatever
// was pending for it; another CPU goes on, if one can.
void Machine::Impl::cpu_off() {
    if (running_ == 0) return end(Verdict::GuestFault, incident_here("PSCI CPU_OFF on the boot CPU, which runs the scenario"));
    if (!waiting_.empty())
        return end(Verdict::GuestFault, incident_here("PSCI CPU_OFF inside an smp_call_function_single() callback"));
    Cpu& c = cpu();
    trace(TraceModule::Sched, [&] { return fmt::format("CPU {} powers off", running_); });
    timeline('i', "hotplug", [&] { return fmt::format("CPU {} off", running_); });
    c.off = true;
    c.idle = c.kicked = false;
    c.pending.clear();
    c.taking.reset();
    c.handlers.clear();
    for (int t = 0; t < config_.cpus; ++t)
        if (t != running_ && can_run(t)) return schedule_point(PointKind::Idle, hvc_pc_);
    end(Verdict::GuestFault, incident_here(fmt::format("CPU {} powered off and no other CPU can run", running_)));
}

// add_cpu()'s PSCI CPU_ON: the CPU starts again at secondary_startup, on its
// boot stack, the next time it is chosen to run. Returns 0, or PSCI's
// ALREADY_ON (-4) as Linux's __cpu_up() would see it.
void Machine::Impl::cpu_on(uint64_t target) {
    if (target >= cpus_.size())
        return end(Verdict::GuestFault, incident_here(fmt::format("PSCI CPU_ON for CPU {}, which does not exist", target)));
    Cpu& t = *cpus_[target];
    if (!t.off) return uc().set_reg(UC_ARM64_REG_X0, static_cast<uint64_t>(-4));
    trace(TraceModule::Sched, [&] { return fmt::format("CPU {} powers on CPU {}", running_, target); });
    t.off = false;
    t.started = false;
    t.kicked = true;
    uc().set_reg(UC_ARM64_REG_X0, 0);
}

}  // namespace lmemu::emu
