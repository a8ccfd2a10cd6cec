// Injected interrupts: counting the events of each injection point, taking
// an EL1 IRQ exception on a CPU as the hardware would, holding it while
// interrupts are masked, and the host side of the guest's interrupt path
// (handle_arch_irq()'s acknowledge, handler and return tracepoints).
#include "emu/machine_impl.h"

namespace lmemu::emu {

namespace {
// SPSR_EL1 by its encoding: Unicorn 2.0.1 has no register id for it.
constexpr SysReg kSPSR_EL1{3, 0, 4, 0, 0};
constexpr uint32_t kRet = 0xd65f03c0;  // ret
}  // namespace

void Machine::Impl::resolve_injections() {
    triggers_.clear();
    result_.injected.clear();
    if (config_.injections.empty()) return;
    if (!irq_vector_) throw UnicornError("the kernel image has no el1h_64_irq");
    for (const auto& inj : config_.injections) {
        if (inj.cpu < 0 || inj.cpu >= config_.cpus)
            throw UnicornError(fmt::format("injection on CPU {}: the machine has {} CPU(s)", inj.cpu, config_.cpus));
        Trigger t{inj};
        const auto* handler = image_.function(inj.handler);
        if (!handler) throw UnicornError(fmt::format("injection handler '{}' is not in the kernel image", inj.handler));
        t.handler = handler->addr;
        if (inj.at.event == InjectPoint::Event::Call || inj.at.event == InjectPoint::Event::Return) {
            const auto* sym = image_.function(inj.at.function);
            if (!sym)
                throw UnicornError(fmt::format("injection point '{}': no function '{}' in the kernel image",
                                               inj.at.label(), inj.at.function));
            if (inj.at.event == InjectPoint::Event::Call) {
                t.hook_pcs.push_back(sym->addr);
            } else {
                for (uint64_t pc = sym->addr; pc < sym->addr + sym->size; pc += 4)
                    if (code_at(pc) == kRet) t.hook_pcs.push_back(pc);
                if (t.hook_pcs.empty())
                    throw UnicornError(fmt::format("injection point '{}': {} never returns (no ret)", inj.at.label(),
                                                   inj.at.function));
            }
        }
        triggers_.push_back(std::move(t));
    }
    result_.injected.assign(triggers_.size(), {});
}

// The addresses call/return injections hook, once each: two injections at
// one address must not count each passage twice.
std::set<uint64_t> Machine::Impl::hooked_pcs() const {
    std::set<uint64_t> pcs;
    for (const auto& t : triggers_) pcs.insert(t.hook_pcs.begin(), t.hook_pcs.end());
    return pcs;
}

// Code hooks only where an injection counts calls or returns: they cost
// nothing elsewhere. Code translated in an earlier run has no hook compiled
// in, so that code is dropped from the cache, and dropped again afterwards.
void Machine::Impl::attach_injection_hooks() {
    const auto pcs = hooked_pcs();
    for (auto& c : cpus_)
        for (const uint64_t pc : pcs) {
            c->inject_hooks.push_back(c->uc.add_hook(UC_HOOK_CODE, reinterpret_cast<void*>(on_inject_hook), this, pc, pc));
            c->uc.remove_code_cache(pc, pc + 4);
        }
}

void Machine::Impl::detach_injection_hooks() {
    const auto pcs = hooked_pcs();
    for (auto& c : cpus_) {
        for (const uc_hook h : c->inject_hooks) c->uc.remove_hook(h);
        c->inject_hooks.clear();
        for (const uint64_t pc : pcs) c->uc.remove_code_cache(pc, pc + 4);
    }
}

void Machine::Impl::on_inject_hook(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        const uint64_t sp = m->uc().reg(UC_ARM64_REG_SP);
        const auto again = std::find_if(m->resumes_.begin(), m->resumes_.end(),
                                        [&](const Resume& r) { return r.pc == address && r.sp == sp; });
        if (again != m->resumes_.end()) {
            m->resumes_.erase(again);
            return;
        }
        // The triggers that hooked this address say which event it is (a
        // function that is a lone `ret` is both its entry and its return).
        m->injection_event(InjectPoint::Event::Call, address, address);
        m->injection_event(InjectPoint::Event::Return, address, address);
    });
}

// One occurrence of `event` at `pc` on the running CPU; an interrupt raised
// for it returns to `resume_pc`. True if the CPU took one now.
bool Machine::Impl::injection_event(InjectPoint::Event event, uint64_t pc, uint64_t resume_pc) {
    bool taken = false;
    for (size_t i = 0; i < triggers_.size(); ++i) {
        const Trigger& t = triggers_[i];
        if (t.injection.at.event != event) continue;
        if (!t.hook_pcs.empty() && std::find(t.hook_pcs.begin(), t.hook_pcs.end(), pc) == t.hook_pcs.end()) continue;
        auto& counts = result_.injected[i];
        ++counts.by_cpu[static_cast<size_t>(running_)];
        if (t.injection.cpu != running_) continue;
        if (++counts.events == t.injection.at.nth) taken |= raise(i, resume_pc);
    }
    return taken;
}

bool Machine::Impl::raise(size_t injection, uint64_t resume_pc) {
    const Trigger& t = triggers_[injection];
    PendingIrq irq{t.injection.kind, t.handler, t.injection.migrate, t.injection.describe()};
    irq.injection = static_cast<int>(injection);
    if (resume_pc == 0) {
        result_.notes.push_back(fmt::format("{}: the store completed outside its own callback (a partial store); "
                                            "not delivered",
                                            irq.what));
        return false;
    }
    trace(TraceModule::Sched, [&] { return fmt::format("inject {} at {}{}", irq.what, image_.symbolize(resume_pc), cpu_tag()); });
    if (irqs_masked()) {
        result_.notes.push_back(fmt::format("{}: interrupts were masked at {}; it waits for the unmask", irq.what,
                                            image_.symbolize(resume_pc)));
        cpu().pending.push_back(std::move(irq));
        return false;
    }
    if (t.injection.at.event == InjectPoint::Event::Call || t.injection.at.event == InjectPoint::Event::Return)
        resumes_.push_back({resume_pc, uc().reg(UC_ARM64_REG_SP)});
    result_.notes.push_back(fmt::format("{}: taken at {} on CPU {}", irq.what, image_.symbolize(resume_pc), running_));
    take_irq(std::move(irq), resume_pc);
    return true;
}

// The CPU takes an IRQ exception at EL1 (Arm ARM D1.3): ELR_EL1 and SPSR_EL1
// hold where it was, DAIF is masked, execution continues at the vector.
void Machine::Impl::take_irq(PendingIrq irq, uint64_t resume_pc) {
    if (irq.injection >= 0) result_.injected[static_cast<size_t>(irq.injection)].taken = true;
    model_.on_context_sync(running_);  // exception entry synchronizes context
    const uint64_t pstate = uc().reg(UC_ARM64_REG_PSTATE);
    uc().set_reg(UC_ARM64_REG_ELR_EL1, resume_pc);
    uc().set_sysreg(kSPSR_EL1, pstate);
    uc().set_reg(UC_ARM64_REG_PSTATE, pstate | kDaifAll);
    uc().set_reg(UC_ARM64_REG_PC, irq_vector_);
    cpu().taking = std::move(irq);
}

// ERET from EL1 to EL1 (Arm ARM D1.11): PC from ELR_EL1, PSTATE from
// SPSR_EL1. A context synchronization event; an interrupt that was pending
// while masked is taken at once if the restored PSTATE unmasks it.
void Machine::Impl::exception_return() {
    model_.on_context_sync(running_);
    const uint64_t spsr = uc().sysreg(kSPSR_EL1);
    if ((spsr & 0xf) != 0x5)  // M[3:0] = EL1h: the only mode lmemu runs in
        return end(Verdict::GuestFault, incident_here(fmt::format("eret to a mode other than EL1h (SPSR_EL1 {:#x})", spsr)));
    const uint64_t target = uc().reg(UC_ARM64_REG_ELR_EL1);
    uc().set_reg(UC_ARM64_REG_PSTATE, spsr);
    uc().set_reg(UC_ARM64_REG_PC, target);
    deliver_pending(target, "when the exception return unmasked interrupts");
}

void Machine::Impl::deliver_pending(uint64_t resume_pc, std::string_view when) {
    auto& pending = cpu().pending;
    if (pending.empty() || irqs_masked() || cpu().taking) return;
    PendingIrq irq = std::move(pending.front());
    pending.erase(pending.begin());
    result_.notes.push_back(fmt::format("{}: delivered {} at {}", irq.what, when,
                                        image_.symbolize(hvc_pc_ ? hvc_pc_ : resume_pc)));
    take_irq(std::move(irq), resume_pc);
}

// MSR DAIFClr / MSR DAIF, rewritten to hvc: carried out here, then any
// interrupt that was waiting for the unmask is taken after the instruction.
void Machine::Impl::write_daif(const MaintenanceInsn& r) {
    uint64_t pstate = uc().reg(UC_ARM64_REG_PSTATE);
    if (r.kind == MaintenanceInsn::DaifClear) pstate &= ~(static_cast<uint64_t>(r.crm) << 6);
    else pstate = (pstate & ~kDaifAll) | ((r.rt == 31 ? 0 : uc().x(r.rt)) & kDaifAll);
    uc().set_reg(UC_ARM64_REG_PSTATE, pstate);
    deliver_pending(uc().reg(UC_ARM64_REG_PC), "when interrupts were unmasked");
}

void Machine::Impl::irq_ack(uint64_t desc) {
    interrupted_store_.reset();
    const auto irq = std::move(cpu().taking);
    cpu().taking.reset();
    const uint64_t kind = irq ? static_cast<uint64_t>(irq->kind) : LMEMU_IRQ_NONE;
    const bool ok = write_virt(desc + offsetof(lmemu_irq, kind), kind) &&
                    write_virt(desc + offsetof(lmemu_irq, fn), irq ? irq->handler : 0) &&
                    write_virt(desc + offsetof(lmemu_irq, migrate_cpu), static_cast<uint64_t>(irq ? irq->migrate : -1)) &&
                    write_virt(desc + offsetof(lmemu_irq, info), irq ? irq->info : 0) &&
                    write_virt(desc + offsetof(lmemu_irq, csd), irq ? irq->csd : 0);
    if (!ok) end(Verdict::GuestFault, incident_here(fmt::format("hypercall IRQ_ACK: bad guest pointer {:#x}", desc)));
}

void Machine::Impl::irq_handler(bool entering, uint64_t handler) {
    const uint64_t task = current_task(running_);
    const auto s = lazy_state(running_);
    constexpr uint64_t kLazyBits = (uint64_t{1} << lazymmu::kTifLazyMmu) | (uint64_t{1} << lazymmu::kTifLazyMmuPending);
    timeline(entering ? 'B' : 'E', "irq", [&] { return fmt::format("interrupt: {}", image_.function_at(handler)); });
    if (entering) {
        trace(TraceModule::Sched, [&] { return fmt::format("handler {} starts{}", image_.symbolize(handler), cpu_tag()); });
        cpu().handlers.push_back({task, handler, s.thread_flags & kLazyBits, s.depth, s.paused});
        return;
    }
    auto& frames = cpu().handlers;
    if (frames.empty() || frames.back().handler != handler)
        return end(Verdict::GuestFault, incident_here("interrupt handler tracepoints do not match"));
    const HandlerFrame f = frames.back();
    frames.pop_back();
    trace(TraceModule::Sched, [&] { return fmt::format("handler {} returns{}", image_.symbolize(handler), cpu_tag()); });
    // A handler must leave the interrupted context's lazy MMU state as it found it.
    const uint64_t flags = s.thread_flags & kLazyBits;
    if (task == f.task && flags == f.lazy_flags && s.depth == f.depth && s.paused == f.paused) return;
    auto bit = [](uint64_t v, unsigned b) { return (v >> b) & 1 ? "set" : "clear"; };
    Incident i = incident_here(fmt::format(
        "interrupt handler {}() returned with the interrupted task's lazy MMU state changed: "
        "TIF_LAZY_MMU {} -> {}, TIF_LAZY_MMU_PENDING {} -> {}, depth {} -> {}",
        image_.function_at(handler), bit(f.lazy_flags, lazymmu::kTifLazyMmu), bit(flags, lazymmu::kTifLazyMmu),
        bit(f.lazy_flags, lazymmu::kTifLazyMmuPending), bit(flags, lazymmu::kTifLazyMmuPending), f.depth, s.depth));
    i.hazard = Hazard::LazyLeak;
    end(Verdict::Hazard, std::move(i));
}

// The interrupt is handled; arm64_preempt_schedule_irq() comes next. A
// reschedule it cannot do now (preemption disabled) waits for preempt_enable().
void Machine::Impl::irq_return() {
    const auto s = lazy_state(running_);
    const bool need_resched = s.thread_flags & (uint64_t{1} << lazymmu::kTifNeedResched);
    if (need_resched && s.preempt_count != 0)
        result_.notes.push_back(fmt::format(
            "preemption of {} deferred: preempt_count is {:#x} when the interrupt returns; it happens at "
            "preempt_enable()",
            task_name(current_task(running_)), s.preempt_count));
}

}  // namespace lmemu::emu
