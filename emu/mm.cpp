// User roots. switch_mm() loads an mm's pgd into TTBR0_EL1 (cpu_switch_mm());
// the write is rewritten at load, like the other regime registers, and
// carried out here, with where and by whom it was made. Unicorn walks a
// user tree through the walk alias, as it walks the kernel's, so the model
// answers those walks and judges user accesses: a CPU's TLB may hold a
// tree's translations tagged with the ASID it was loaded with
// (Arm64Model::on_ttbr0()). With no tree loaded (the reserved TTBR0),
// TCR_EL1.EPD0 makes every user access fault. Besides, two checks:
//   - at a return to user space the CPU must have the returning task's own
//     mm loaded. Seed 001's races end exactly there, a task returning to
//     user space on another mm's tables;
//   - a root loaded with an ASID makes the CPU's TLB hold translations
//     tagged with it (hardware may walk ahead of any access) until a TLBI
//     VMALLE1 or ASIDE1 removes them: loading another root with the same
//     ASID before that lets the CPU use the first mm's translations for the
//     second's (stale-asid). The ASID allocator's rollover
//     (arch/arm64/mm/context.c) owes each CPU a flush for exactly this.
//     ASID 0 is left out: it is init_mm's, and an mm that never went
//     through the allocator (a non-ASID switch_mm() a case puts back).
#include "emu/machine_impl.h"

namespace lmemu::emu {

namespace {
constexpr uint64_t kFreedRoot = ~uint64_t{0};  // a tag's root whose pgd was freed
}  // namespace

uint64_t Machine::Impl::hw_asid(uint64_t field) {
    if (!asid_mask_) {
        const auto at = image_.symbol("asid_bits");
        const auto bits = at ? read_virt(*at, 8) : std::nullopt;
        asid_mask_ = bits && *bits >= 1 && *bits < 16 ? (uint64_t{1} << *bits) - 1 : 0xffff;
    }
    return field & *asid_mask_;
}

void Machine::Impl::write_ttbr0(uint64_t value) {
    const uint64_t root = value & kTtbrBaddr, asid = hw_asid(value >> 48);
    const bool tagged = root && asid;
    if (tagged) {
        const auto& tags = cpu().asid_tags;
        if (const auto it = tags.find(asid); it != tags.end() && it->second.root != root) {
            Incident i = incident_here(fmt::format(
                "CPU {} loads ASID {} with the pgd at phys {:#x}, but its TLB may still hold translations tagged ASID {} "
                "from another address space (loaded at {}): no TLBI VMALLE1 or ASIDE1 since, so this address space "
                "may use another's translations",
                running_, asid, root, asid, it->second.loaded));
            i.hazard = Hazard::StaleAsid;
            return end(Verdict::Hazard, std::move(i));
        }
    }
    load_ttbr0(value);
    cpu().ttbr0_write = locate(hvc_pc_);
    cpu().ttbr0_writer = task_name(current_task(running_));
    if (tagged)
        cpu().asid_tags[asid] = {
            root, fmt::format("{} by {}, with the pgd at phys {:#x}", cpu().ttbr0_write->where, cpu().ttbr0_writer, root)};
    trace(TraceModule::Sched, [&] {
        return fmt::format("TTBR0_EL1 = {:#x} by {} at {}{}", value, cpu().ttbr0_writer, image_.symbolize(hvc_pc_), cpu_tag());
    });
}

void Machine::Impl::load_ttbr0(uint64_t value) {
    const uint64_t root = value & kTtbrBaddr;
    const bool walked = root && pool_.contains(PhysAddr{root});
    uint64_t tcr = uc().sysreg(sysreg::kTCR_EL1);
    uc().set_sysreg(sysreg::kTCR_EL1, walked ? tcr & ~kTcrEpd0 : tcr | kTcrEpd0);
    uc().set_sysreg(sysreg::kTTBR0_EL1, walked && config_.observe ? value - root + walk_alias(root) : value);
    if (config_.observe) model_.on_ttbr0(running_, walked ? std::optional(PhysAddr{root}) : std::nullopt,
                                         static_cast<uint16_t>(hw_asid(value >> 48)));
    // Unicorn's TLB is not tagged with ASIDs, and the walks the model answers depend on the one loaded.
    uc().flush_tlb();
}

uint64_t Machine::Impl::guest_ttbr0(Cpu& c) {
    const uint64_t v = c.uc.sysreg(sysreg::kTTBR0_EL1), baddr = v & kTtbrBaddr;
    if (baddr >= LMEMU_WALK_ALIAS && baddr - LMEMU_WALK_ALIAS < LMEMU_POOL_SIZE)
        return v - baddr + (baddr - LMEMU_WALK_ALIAS + LMEMU_PHYS_OFFSET);
    return v;
}

// A freed pgd's address space is gone: translations still tagged with its
// ASID belong to no root that can be loaded again, not even a new address
// space whose pgd reuses the frame.
void Machine::Impl::forget_user_root(uint64_t frame) {
    for (auto& c : cpus_)
        for (auto& [asid, tag] : c->asid_tags)
            if (tag.root == frame) {
                tag.root = kFreedRoot;
                tag.loaded += fmt::format("; that pgd (phys {:#x}) has been freed since", frame);
            }
}

// What a TLBI removes of the user translations: all of them (VMALLE1), or one
// ASID's (ASIDE1); the IS forms on every CPU. By-VA forms leave the tag.
void Machine::Impl::user_tlbi(const lazymmu::Tlbi& t) {
    if (!t.all) return;
    for (auto& c : cpus_) {
        if (!t.broadcast && c->id != running_) continue;
        if (t.asid < 0) c->asid_tags.clear();
        else c->asid_tags.erase(static_cast<uint64_t>(t.asid));
    }
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
    const uint64_t ttbr0 = guest_ttbr0(cpu());
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
