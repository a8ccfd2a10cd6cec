// User roots. switch_mm() loads an mm's pgd into TTBR0_EL1 (cpu_switch_mm());
// the write is rewritten at load, like the other regime registers, and
// carried out here, with where and by whom it was made. TTBR0 walks stay
// off (TCR_EL1.EPD0: there are no user mappings), so what the root is for
// is the check at a return to user space: the CPU must have the returning
// task's own mm loaded. Seed 001's races end exactly there, a task
// returning to user space on another mm's tables.
#include "emu/machine_impl.h"

namespace lmemu::emu {

void Machine::Impl::write_ttbr0(uint64_t value) {
    uc().set_sysreg(sysreg::kTTBR0_EL1, value);
    cpu().ttbr0_write = locate(hvc_pc_);
    cpu().ttbr0_writer = task_name(current_task(running_));
    trace(TraceModule::Sched, [&] {
        return fmt::format("TTBR0_EL1 = {:#x} by {} at {}{}", value, cpu().ttbr0_writer, image_.symbolize(hvc_pc_), cpu_tag());
    });
}

void Machine::Impl::return_to_user() {
    const uint64_t task = current_task(running_);
    const std::string name = task_name(task);
    const auto mm = read_virt(task + LMEMU_TASK_MM_OFFSET, 8);
    if (!mm || !*mm)
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("{} returns to user space but has no mm (a kernel thread)", name)));
    const auto pgd = read_virt(*mm + LMEMU_MM_PGD_OFFSET, 8);
    const auto pgd_pa = pgd ? translate(*pgd) : std::nullopt;
    if (!pgd_pa) return end(Verdict::GuestFault, incident_here(fmt::format("{}'s mm {:#x} has no readable pgd", name, *mm)));
    const uint64_t ttbr0 = uc().sysreg(sysreg::kTTBR0_EL1);
    if ((ttbr0 & kTtbrBaddr) == *pgd_pa) return;
    // Name the root that is loaded: a live mm_struct's pgd, or none at all.
    std::string loaded = fmt::format("pgd at phys {:#x}", ttbr0 & kTtbrBaddr);
    for (const auto& o : slab_)
        if (o.cache == "mm_struct" && !o.freed)
            if (const auto p = read_virt(o.addr + LMEMU_MM_PGD_OFFSET, 8); p && translate(*p) == (ttbr0 & kTtbrBaddr))
                loaded = fmt::format("mm {:#x}'s pgd (phys {:#x})", o.addr, ttbr0 & kTtbrBaddr);
    if ((ttbr0 & kTtbrBaddr) == 0) loaded = "no user root (the reserved TTBR0 of init_mm and kernel threads)";
    const std::string when = cpu().ttbr0_write ? fmt::format("; TTBR0_EL1 was last written at {} by {}",
                                                             cpu().ttbr0_write->where, cpu().ttbr0_writer)
                                               : "; TTBR0_EL1 was not written in this run";
    Incident i = incident_here(fmt::format("{} returns to user space on CPU {} with {} loaded in TTBR0_EL1, not its own "
                                           "mm {:#x}'s pgd (phys {:#x}): it would run on another address space{}",
                                           name, running_, loaded, *mm, *pgd_pa, when));
    i.hazard = Hazard::WrongMm;
    end(Verdict::Hazard, std::move(i));
}

}  // namespace lmemu::emu
