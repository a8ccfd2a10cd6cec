// CPUs interleaving. At every scheduling point where more than one CPU can
// run, MachineConfig::choose (default_choice when unset) picks the one that
// runs next; the running engine stops on an instruction boundary and the
// chosen one resumes where it stopped. Ordinary memory is one RAM that all
// engines share, so it is sequentially consistent between CPUs; what each
// CPU's walker and TLB see of the page tables follows the model, per CPU.
#include "emu/machine_impl.h"

namespace lmemu::emu {

const char* to_string(PointKind k) {
    switch (k) {
    case PointKind::PteWrite: return "pte-write";
    case PointKind::Barrier: return "barrier";
    case PointKind::Tlbi: return "tlbi";
    case PointKind::Atomic: return "atomic";
    case PointKind::Hypercall: return "hypercall";
    case PointKind::Yield: return "yield";
    case PointKind::Idle: return "idle";
    case PointKind::Quantum: return "quantum";
    }
    return "?";
}

int default_choice(const ChoicePoint& p) {
    if (p.running_enabled) return p.running;
    for (const int c : p.enabled)
        if (c > p.running && !holds_irq(c)) return c;
    return p.enabled.front();
}

int deviations(const ChoicePoint& p, int choice) {
    return (p.running_enabled && chosen_cpu(choice) != p.running ? 1 : 0) + (holds_irq(choice) ? 1 : 0);
}

bool Machine::Impl::can_run(int c) const {
    const Cpu& x = *cpus_[c];
    if (x.off || std::find(waiting_.begin(), waiting_.end(), c) != waiting_.end()) return false;
    return x.kicked || (x.started && !x.idle);
}

// An interrupt waits on CPU c that it would take if it ran now.
bool Machine::Impl::irq_deliverable(int c) {
    Cpu& x = *cpus_[c];
    return x.started && !x.off && !x.pending.empty() && !x.taking && !(x.uc.reg(UC_ARM64_REG_PSTATE) & kDaifIrq);
}

void Machine::Impl::schedule_point(PointKind kind, uint64_t pc, std::optional<uint64_t> resume_pc) {
    if (booting_ || ended_) return;
    // Off unless the kernel asked for them: one test on this hot path.
    if (mm_invariants_ || !mm_invariants_looked_) check_mm_invariants(pc);
    if (config_.cpus < 2 || ended_ || switch_to_ >= 0) return;
    quantum_left_ = config_.quantum_blocks;
    ChoicePoint p;
    p.index = result_.steps.size();
    p.running = running_;
    // A spinning CPU can go on only to take an interrupt; it is not offered
    // to hold it back, which would be one more turn of the same spin.
    p.running_enabled = (kind != PointKind::Yield && kind != PointKind::Idle) || irq_deliverable(running_);
    p.kind = kind;
    // Called, if at all, before schedule_point() returns: `where` outlives it,
    // and a capture of two pointers needs no allocation.
    const struct {
        PointKind kind;
        uint64_t pc;
        std::optional<uint64_t> resume_pc;
    } where{kind, pc, resume_pc};
    p.state = [this, &where] { return state_hash(where.kind, where.pc, where.resume_pc); };
    for (int c = 0; c < config_.cpus; ++c)
        if (c == running_ ? p.running_enabled : can_run(c)) p.enabled.push_back(c);
    const size_t runnable = p.enabled.size();
    for (size_t i = 0; i < runnable; ++i) {
        const int c = p.enabled[i];
        if (irq_deliverable(c) && (c != running_ || (kind != PointKind::Yield && kind != PointKind::Idle)))
            p.enabled.push_back(c | kHoldIrq);
    }
    if (p.enabled.empty()) return;  // a lone spinner spins on; a lone idle CPU is the caller's deadlock
    int next = p.enabled.front();
    if (p.enabled.size() > 1) {
        next = config_.choose ? config_.choose(p) : default_choice(p);
        if (std::find(p.enabled.begin(), p.enabled.end(), next) == p.enabled.end()) {
            // The schedule's fault, not the guest's: no verdict (RunResult::schedule_error).
            std::vector<std::string> can;
            for (const int e : p.enabled) can.push_back(fmt::format("{}{}", chosen_cpu(e), holds_irq(e) ? "h" : ""));
            result_.schedule_error = fmt::format("choice {} names {}{}, but only {} can be chosen there ({} at {})",
                                                 p.index, chosen_cpu(next), holds_irq(next) ? "h" : "",
                                                 fmt::join(can, ", "), to_string(kind), image_.symbolize(pc));
            return end(Verdict::GuestFault, incident_here(*result_.schedule_error));
        }
        result_.steps.push_back({running_, kind, Location{pc, {}}, next});  // symbolized by whoever shows it
    }
    const int cpu = chosen_cpu(next);
    const bool hold = holds_irq(next);
    // The running CPU goes on, unless it is to take its interrupt: then it
    // stops and resumes into the vector, the way a switch resumes a CPU.
    if (cpu == running_ && (hold || !irq_deliverable(cpu))) return;
    if (cpu != running_) {
        timeline('i', "schedule", [&] { return fmt::format("CPU {} takes over ({})", cpu, to_string(kind)); });
        trace(TraceModule::Sched, [&] {
            return fmt::format("CPU {} -> CPU {} at {} ({}){}", running_, cpu, image_.symbolize(pc), to_string(kind),
                               hold ? ", its interrupt held back" : "");
        });
    }
    if (resume_pc) {
        // Writing the PC ends the translated block but cancels a stop asked for
        // in the same callback (Unicorn 2.0.1 resets stop_request on that path),
        // so the engine stops at the start of the next block: at `resume_pc`.
        uc().set_reg(UC_ARM64_REG_PC, *resume_pc);
        stop_at_block_ = true;
    }
    switch_cpu(cpu);
    if (hold) resumed_ = false;  // no interrupt taken on resuming
}

// Exclusives, acquire/release accesses and LSE atomics are how CPUs
// synchronise (locks, atomic_t, bitops): a choice before each.
namespace {
bool is_atomic(uint32_t insn) {
    return (insn & 0x3f000000) == 0x08000000      // load/store exclusive, LDAR/STLR, CAS
           || (insn & 0x3f200c00) == 0x38200000;  // LDADD..LDUMIN, SWP
}
}  // namespace

void Machine::Impl::hook_atomics(Cpu& c) {
    if (atomic_pcs_.empty()) atomic_pcs_ = image_.find_insns(is_atomic);
    for (const uint64_t pc : atomic_pcs_) c.uc.add_hook(UC_HOOK_CODE, reinterpret_cast<void*>(on_atomic), this, pc, pc);
}

bool Machine::Impl::before_insn(PointKind kind, uint64_t pc, bool from_code_hook) {
    Cpu& c = cpu();
    if (c.resume_at == pc) {
        c.resume_at = 0;
        return true;
    }
    // From a code hook, a stop takes effect before the instruction (Unicorn
    // checks for one after the hook); from a hypercall the PC is past it and
    // is set back, so the instruction runs again when the CPU resumes.
    if (from_code_hook) schedule_point(kind, pc);
    else schedule_point(kind, pc, pc);
    if (switch_to_ < 0) return true;
    c.resume_at = pc;
    return false;
}

void Machine::Impl::on_atomic(uc_engine*, uint64_t address, uint32_t, void* self) {
    auto* m = static_cast<Impl*>(self);
    if (m->booting_) return;
    m->guard([&] { m->before_insn(PointKind::Atomic, address, true); });
}

}  // namespace lmemu::emu
