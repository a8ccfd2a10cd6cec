// Page-table updates an arch model holds back from the table: xen-pv's
// mmu_updates queued in a CPU's multicall batch (xen_pv.cpp), s390's new PTE
// values cached in a CPU's ipte_batch (s390_ipte.cpp). The table and its
// walker have the old entry until the update is made, so a load of the entry
// that returns the old value is a stale-pte-read, and an access that faults
// through it an unactioned-mapping, reported with where the update is held.
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

std::optional<Machine::Impl::HeldUpdate> Machine::Impl::held_update(size_t index) const {
    if (xen_pv()) return xen_held_update(index);
    if (lazymmu::caches_entries(config_.arch)) return s390_held_update(index);
    return std::nullopt;
}

// A guest load from the pool of an entry with an update held back: it
// returns the old value, which is what the bugs read.
void Machine::Impl::check_held_load(uint64_t offset, unsigned size) {
    auto held = held_update(offset / 8);
    if (!held) return;
    const auto load = pool_access_insn(LMEMU_PHYS_OFFSET + offset, size, AccessType::Read);
    const uint64_t pc = load ? load->pc : uc().reg(UC_ARM64_REG_PC);
    const lazymmu::PteWrite& w = held->write;
    Incident i;
    i.cpu = running_;
    i.message = fmt::format(
        "CPU {} loaded the {} entry at phys {:#x}{} at {} while its update is {}: the load returns the old value "
        "{:#x}, not {:#x}, {}",
        running_, pgtable::level_name(w.level), w.entry.value,
        w.level >= 0 ? fmt::format(" (maps {:#018x})", w.va.value) : std::string{},
        load ? dis_.text(code_at(pc), pc) : std::string("a load"), held->where, w.old_value, w.new_value, held->until);
    i.hazard = lazymmu::Hazard::StalePteRead;
    i.backtrace = symbolize(raw_backtrace(pc, uc().x(30), uc().x(29)));  // innermost: the load
    i.write = WriteInfo{w, symbolize(w.origin.backtrace), std::move(held->where)};
    end(Verdict::Hazard, std::move(i));
}

// A translation fault through an entry whose update is held back: the
// mapping the guest asked for has not been made yet.
std::optional<lazymmu::FaultCause> Machine::Impl::held_cause(const pgtable::Walk& walk) const {
    for (int l = walk.depth - 1; l >= 0; --l) {
        auto held = held_update(pool_.index_of(walk.steps[l].entry));
        if (!held) continue;
        lazymmu::FaultCause c;
        c.hazard = lazymmu::Hazard::UnactionedMapping;
        c.cpu_walk = walk;
        c.why = fmt::format("the access translates through the {} entry at phys {:#x}, whose update to {:#x} is {}",
                            pgtable::level_name(walk.steps[l].level), walk.steps[l].entry.value,
                            held->write.new_value, held->where);
        c.write = std::move(held->write);
        c.held = std::move(held->where);
        return c;
    }
    return std::nullopt;
}

}  // namespace lmemu::emu
