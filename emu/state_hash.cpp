// The machine's state at a choice point, hashed for exhaustive exploration's
// pruning: what decides how the rest of the run goes and which verdict,
// hazard and counts it ends with. History that only a report names (which
// store, which stack, what was printed, the schedule so far) is left out, so
// two schedules that reach the same state by different paths count once.
//
// Every member of Machine::Impl a run changes is either hashed here or
// listed below as history; a new member must be one or the other.
//   history: result_.steps, console, trace, timeline, notes, dropped;
//            Cpu::ttbr0_write/ttbr0_writer, AsidTag::loaded; SlabObject tasks and stacks;
//            LockUsage locations (only whether each usage was seen counts);
//            Origin backtraces; last_point_pc_.
//   per run, the same for every schedule: config_, triggers_, inject hooks,
//            rewritten_, atomic_pcs_, asid_mask_, image and engines' translated code.
#include "emu/machine_impl.h"
#include "emu/state_hasher.h"

namespace lmemu::emu {

namespace {

// A store-exclusive's outcome depends on the exclusive monitor, which
// Unicorn keeps out of reach: no state is hashed while a CPU is about to make one.
bool is_store_exclusive(uint32_t insn) { return (insn & 0x3fc00000) == 0x08000000; }

constexpr int kHashedRegs[] = {
    UC_ARM64_REG_X0,  UC_ARM64_REG_X1,  UC_ARM64_REG_X2,  UC_ARM64_REG_X3,     UC_ARM64_REG_X4,     UC_ARM64_REG_X5,
    UC_ARM64_REG_X6,  UC_ARM64_REG_X7,  UC_ARM64_REG_X8,  UC_ARM64_REG_X9,     UC_ARM64_REG_X10,    UC_ARM64_REG_X11,
    UC_ARM64_REG_X12, UC_ARM64_REG_X13, UC_ARM64_REG_X14, UC_ARM64_REG_X15,    UC_ARM64_REG_X16,    UC_ARM64_REG_X17,
    UC_ARM64_REG_X18, UC_ARM64_REG_X19, UC_ARM64_REG_X20, UC_ARM64_REG_X21,    UC_ARM64_REG_X22,    UC_ARM64_REG_X23,
    UC_ARM64_REG_X24, UC_ARM64_REG_X25, UC_ARM64_REG_X26, UC_ARM64_REG_X27,    UC_ARM64_REG_X28,    UC_ARM64_REG_X29,
    UC_ARM64_REG_X30, UC_ARM64_REG_SP,  UC_ARM64_REG_PSTATE, UC_ARM64_REG_SP_EL0, UC_ARM64_REG_SP_EL1, UC_ARM64_REG_ELR_EL1,
    UC_ARM64_REG_ESR_EL1, UC_ARM64_REG_FAR_EL1, UC_ARM64_REG_TTBR0_EL1, UC_ARM64_REG_TTBR1_EL1, UC_ARM64_REG_TPIDR_EL1,
};
constexpr size_t kNumHashedRegs = std::size(kHashedRegs);
constexpr SysReg kSPSR_EL1{3, 0, 4, 0, 0};

void hash_irq(StateHasher& h, const auto& irq) {
    h.add(irq.kind);
    h.add(irq.handler);
    h.add(irq.migrate);
    h.add(irq.what);
    h.add(irq.info);
    h.add(irq.csd);
    h.add(irq.injection);
}

}  // namespace

std::optional<StateHash> Machine::Impl::state_hash(PointKind kind, uint64_t pc, std::optional<uint64_t> resume_pc) {
    if (!booted_ || !ram_snapshot_ || !RamSnapshot::scan_supported()) return std::nullopt;
    // Mid-store, or inside an smp_call_function_single() callback (a saved
    // context out of reach): not a state this hash can name.
    if (store_) return std::nullopt;
    for (const auto& c : cpus_)
        if (c->smp_resume) return std::nullopt;

    StateHasher h;
    h.add(kind);
    h.add(pc);
    h.add(resume_pc.value_or(~uint64_t{0}));
    h.add(running_);
    for (const auto& cp : cpus_) {
        Cpu& c = *cp;
        h.add(c.started);
        h.add(c.kicked);
        h.add(c.idle);
        h.add(c.off);
        h.add(c.asid_tags.size());
        for (const auto& [asid, tag] : c.asid_tags) {
            h.add(asid);
            h.add(tag.root);
        }
        h.add(c.resume_at);
        if (c.started) {
            std::array<uint64_t, kNumHashedRegs> values{};
            std::array<void*, kNumHashedRegs> ptrs{};
            for (size_t i = 0; i < kNumHashedRegs; ++i) ptrs[i] = &values[i];
            int ids[kNumHashedRegs];
            std::copy(std::begin(kHashedRegs), std::end(kHashedRegs), ids);
            check(uc_reg_read_batch(c.uc.raw(), ids, ptrs.data(), static_cast<int>(kNumHashedRegs)), "uc_reg_read_batch");
            h.bytes(values.data(), sizeof values);
            h.add(c.uc.sysreg(kSPSR_EL1));
            // The running CPU's PC is the point's; the others' is where they resume.
            const uint64_t next = c.id == running_ ? resume_pc.value_or(pc) : c.uc.reg(UC_ARM64_REG_PC);
            if (c.id != running_) h.add(next);
            if (is_store_exclusive(code_at(next))) return std::nullopt;
        }
        h.add(c.pending.size());
        for (const PendingIrq& irq : c.pending) hash_irq(h, irq);
        h.add(c.taking.has_value());
        if (c.taking) hash_irq(h, *c.taking);
        h.add(c.handlers.size());
        for (const HandlerFrame& f : c.handlers) {
            h.add(f.task);
            h.add(f.handler);
            h.add(f.lazy_flags);
            h.add(f.depth);
            h.add(f.paused);
        }
    }
    h.add(resumed_);
    h.add(waiting_.size());
    for (const int w : waiting_) h.add(w);

    h.add(trackers_.size());
    for (const auto& [task, t] : trackers_) {
        h.add(task);
        t.hash_state(h);
    }
    h.add(stack_mapped_.size());
    for (const bool b : stack_mapped_) h.add(b);
    h.add(slab_.size());
    for (const SlabObject& o : slab_) {
        h.add(o.addr);
        h.add(o.size);
        h.add(o.cache);
        h.add(o.entry);
        h.add(o.freed);
    }
    h.add(lock_usage_.size());
    for (const auto& [lock, usage] : lock_usage_) {
        h.add(lock);
        for (const auto& first : usage.first) h.add(first.empty());
    }
    h.add(held_locks_.size());
    for (const auto& [task, locks] : held_locks_) {
        h.add(task);
        h.add(locks);
    }
    h.add(mm_pgd_pa_.size());
    for (const auto& [mm, pa] : mm_pgd_pa_) {
        h.add(mm);
        h.add(pa);
    }
    h.add(resumes_.size());
    for (const Resume& r : resumes_) {
        h.add(r.pc);
        h.add(r.sp);
    }
    h.add(interrupted_store_.has_value());
    if (interrupted_store_) h.add(interrupted_store_->pc);
    h.add(completed_store_.value_or(0));
    h.add(stop_at_block_);
    h.add(block_stop_pc_.value_or(0));
    h.add(hvc_pc_);
    // The block budget decides timeouts.
    h.add(blocks_);

    h.add(result_.verdict);
    h.add(result_.warnings.size());
    for (const Incident& w : result_.warnings) h.add(w.hazard ? static_cast<int>(*w.hazard) : -1);
    h.add(result_.dropped.warnings);
    // Counts on other CPUs only explain a report: they change nothing that follows.
    for (const auto& i : result_.injected) {
        h.add(i.events);
        h.add(i.taken);
    }

    model_.hash_state(h, booted_->model.writes().size());
    xen_.hash_state(h);
    pool_.hash_state(h);
    ram_alloc_.hash_state(h);
    pool_alloc_.hash_state(h);
    ram_snapshot_->hash_changed(h);
    return h.digest();
}

}  // namespace lmemu::emu
