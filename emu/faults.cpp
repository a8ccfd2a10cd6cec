// Exceptions Unicorn raises: hypercalls are dispatched, aborts are
// classified by the lazy-MMU model, anything else is a guest fault.
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

void Machine::Impl::fault(uint32_t intno) {
    commit_store();
    const uint64_t pc = uc().reg(UC_ARM64_REG_PC);
    AccessInfo a;
    a.at = locate(pc);
    if (intno == 3) {
        a.va = pc;
        a.size = 4;
        a.type = AccessType::Fetch;
    } else {
        const uint32_t insn = code_at(pc);
        a.insn = dis_.text(insn, pc);
        const RegisterFile regs = registers();
        const auto acc = dis_.access(insn, pc, regs);
        if (!acc) {
            end(Verdict::GuestFault, incident_here(fmt::format("data abort at {} on an instruction lmemu cannot decode: {}",
                                                               a.at.where, a.insn)));
            return;
        }
        a.va = acc->va;
        a.size = acc->size;
        a.type = acc->type;
    }
    if (!(uc().sysreg(sysreg::kSCTLR_EL1) & 1))
        return end(Verdict::GuestFault, incident_here("the guest turned the MMU off (SCTLR_EL1.M clear): lmemu models "
                                                      "kernel code running with translation on"));
    uint64_t root = pgd_;
    if (!kernel_va(a.va)) {
        root = guest_ttbr0(cpu()) & kTtbrBaddr;
        if (!user_va(a.va))
            return kernel_fault(a, "translation fault at level 0: the address is in neither TTBR0's nor TTBR1's range");
        if (!root || !pool_.contains(PhysAddr{root}))
            return kernel_fault(a, "translation fault at level 0: a user address, and no user address space is "
                                   "loaded (the reserved TTBR0 of init_mm and kernel threads)");
    } else if (auto kasan = slab_access_report(a)) {
        return end(Verdict::Hazard, std::move(*kasan));
    }
    auto cause = model_.classify(running_, PhysAddr{root}, VirtAddr{a.va},
                                 a.type == AccessType::Write   ? lazymmu::Access::Write
                                 : a.type == AccessType::Fetch ? lazymmu::Access::Fetch
                                                               : lazymmu::Access::Read);
    if (holds_updates() && cause.hazard == lazymmu::Hazard::KernelFault)
        if (auto held = held_cause(cause.cpu_walk)) cause = std::move(*held);
    if (cause.cpu_walk.mapped() && !backed(cause.cpu_walk.pa.value))
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("the page tables map {:#x} to phys {:#x}, outside RAM and the page-table "
                                             "pool: the machine has no memory or device there",
                                             a.va, cause.cpu_walk.pa.value)));
    Incident i = incident_here(cause.unsynchronized_dsb_pc
                                   ? fmt::format("{}; the DSB with no ISB after it is at {}", cause.why,
                                                 image_.symbolize(cause.unsynchronized_dsb_pc))
                                   : cause.why);
    i.hazard = cause.hazard;
    i.linux_recovers = cause.linux_recovers;
    i.context_sync_missing = cause.context_sync_missing;
    i.access = a;
    i.page = page_info(a.va);
    for (int l = 0; l < cause.cpu_walk.depth; ++l) {
        const auto& s = cause.cpu_walk.steps[l];
        i.walk.push_back(fmt::format("{} @ {:#x}: {}", pgtable::level_name(s.level), s.entry.value, pgtable::describe(s.pte, s.level)));
    }
    if (cause.write)
        i.write = WriteInfo{*cause.write, symbolize(cause.write->origin.backtrace), cause.held};
    end(Verdict::Hazard, std::move(i));
}

// Counts the budget: one per translated block executed. The stop lands
// before the block runs, the same block on every machine.
void Machine::Impl::on_block(uc_engine* uc, uint64_t address, uint32_t, void* self) {
    auto* m = static_cast<Impl*>(self);
    if (address - m->text_start_ >= m->text_size_) {
        m->guard([&] {
            m->end(Verdict::GuestFault,
                   m->incident_here(fmt::format("executing code at {:#x}, outside the kernel image's text: lmemu "
                                                "rewrites barriers, TLBIs and ERET when it loads the image, so code "
                                                "made at run time would hide them from the model",
                                                address)));
        });
        return;
    }
    if (std::exchange(m->stop_at_block_, false)) {
        m->block_stop_pc_ = address;
        uc_emu_stop(uc);
        return;
    }
    // After quantum_blocks blocks have run since the last point, a point
    // before the next one (which does not run if another CPU is chosen).
    if (m->config_.quantum_blocks && !m->booting_ && m->quantum_left_-- == 0) {
        m->guard([&] { m->schedule_point(PointKind::Quantum, address); });
        if (m->switch_to_ >= 0) m->block_stop_pc_ = address;
    }
    if (++m->blocks_ <= m->config_.budget_blocks || m->booting_ || m->budget_spent_) return;
    m->budget_spent_ = true;
    uc_emu_stop(uc);
}

bool Machine::Impl::on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        AccessInfo a;
        a.va = address;
        a.size = static_cast<unsigned>(size);
        a.type = type == UC_MEM_WRITE_UNMAPPED ? AccessType::Write
                 : type == UC_MEM_FETCH_UNMAPPED ? AccessType::Fetch
                                                  : AccessType::Read;
        // A fetch faults at its own address; a data access at the instruction that makes it.
        const RegisterFile regs = m->registers();
        const uint64_t stale = m->uc().reg(UC_ARM64_REG_PC);
        const uint64_t pc = a.type == AccessType::Fetch ? stale : m->find_insn([&](uint32_t insn, uint64_t at) {
            const auto acc = m->dis_.access(insn, at, regs);
            return acc && acc->type == a.type && acc->va <= address && address < acc->va + acc->size;
        }).value_or(stale);
        m->uc().set_reg(UC_ARM64_REG_PC, pc);  // the run ends here: reports start from this instruction
        a.at = m->locate(pc);
        if (a.type != AccessType::Fetch) a.insn = m->dis_.text(m->code_at(pc), pc);
        // Outside every VA window: no page table can map it, so no hazard either.
        m->kernel_fault(a, fmt::format("translation fault: the address is outside every VA region lmemu maps (the "
                                       "kernel's, and user addresses [{:#x}, {:#x}))",
                                       LMEMU_USER_START, LMEMU_USER_END));
    });
    return false;
}

void Machine::Impl::kernel_fault(const AccessInfo& a, std::string why) {
    Incident i = incident_here(std::move(why));
    i.hazard = Hazard::KernelFault;
    i.access = a;
    end(Verdict::Hazard, std::move(i));
}

void Machine::Impl::on_interrupt(uc_engine*, uint32_t intno, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        switch (intno) {
        case 11: {  // HVC: PC is already past it
            const uint64_t pc = m->uc().reg(UC_ARM64_REG_PC) - 4;
            const uint32_t insn = static_cast<uint32_t>(m->read_virt(pc, 4).value_or(0));
            const uint16_t nr = (insn >> 5) & 0xffff;
            m->hvc_pc_ = pc;
            if (nr == LMEMU_HVC_REWRITTEN) m->rewritten(pc);
            else m->hypercall(nr);
            if (is_scheduling_hypercall(nr)) m->schedule_point(PointKind::Hypercall, pc);
            m->hvc_pc_ = 0;
            return;
        }
        case 3:
        case 4: m->fault(intno); return;
        case 1: {
            const uint64_t pc = m->uc().reg(UC_ARM64_REG_PC);
            m->end(Verdict::GuestFault, m->incident_here(fmt::format(
                                            "undefined instruction {:#010x} ({}) at {}", m->code_at(pc),
                                            m->dis_.text(m->code_at(pc), pc), m->image_.symbolize(pc))));
            return;
        }
        case 7:
            m->end(Verdict::GuestFault, m->incident_here("brk: software breakpoint hit in the guest"));
            return;
        case 2:
            m->end(Verdict::GuestFault, m->incident_here("svc: a system call made at EL1; lmemu has no user space and "
                                                         "no system-call layer"));
            return;
        case 13:
            m->end(Verdict::GuestFault, m->incident_here("smc: a call to secure firmware; lmemu has no firmware (PSCI "
                                                         "and friends are host hypercalls here)"));
            return;
        default:
            m->end(Verdict::GuestFault, m->incident_here(fmt::format("unexpected exception (Unicorn intno {})", intno)));
            return;
        }
    });
}

}  // namespace lmemu::emu
