// The page-table pool's Unicorn callbacks: guest loads and stores of entries
// (the CPU view) and the walker's descriptor fetches through the walk alias.
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

// ---- page-table pool ----------------------------------------------------------

uint64_t Machine::Impl::pool_read(uc_engine*, uint64_t offset, unsigned size, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        if (m->freed_table_access(offset, size, AccessType::Read)) return;
        if (m->holds_updates()) m->check_held_load(offset, size);
    });
    return m->pool_.read_bytes(offset, size);
}

// A guest load or store in a page of the page-table pool that is free: a
// table freed (pte_free_kernel(), pmd_free(), ...) and still walked by
// software, as DEBUG_PAGEALLOC or KASAN would catch it in a freed page.
bool Machine::Impl::freed_table_access(uint64_t offset, unsigned size, AccessType type) {
    const uint64_t pa = LMEMU_PHYS_OFFSET + offset;
    if (pool_alloc_.state(pa >> 12) != allocator::PageState::Free) return false;
    const auto insn = pool_access_insn(pa, size, type);
    const uint64_t pc = insn ? insn->pc : uc().reg(UC_ARM64_REG_PC);
    const uint64_t accessed = insn ? insn->start : pa & ~uint64_t{7};  // the access, or its entry
    Incident i;
    i.cpu = running_;
    i.message = fmt::format("CPU {} {} phys {:#x} ({}) in a page-table page that has been freed: whatever walks it reads "
                            "a page the allocator may have given to anyone",
                            running_, type == AccessType::Read ? "loaded" : "stored to", accessed,
                            insn ? dis_.text(code_at(pc), pc) : std::string("an access"));
    i.hazard = lazymmu::Hazard::UseAfterFree;
    i.backtrace = symbolize(raw_backtrace(pc, uc().x(30), uc().x(29)));
    end(Verdict::Hazard, std::move(i));
    return true;
}

// Whether `a`, computed from the registers now, is the store that writes
// `size` bytes of `value` at physical `pa`: the address and, where the
// instruction says what it stores, the data must match. The data check keeps
// another store that happens to use the same base register from matching.
bool Machine::Impl::writes(const MemAccess& a, uint64_t pa, uint64_t value, unsigned size) const {
    const auto start = translate(a.va);
    if (!start || pa < *start || pa + size > *start + a.size) return false;
    if (a.data.empty()) return true;
    const uint64_t offset = pa - *start;
    const unsigned element = a.size / static_cast<unsigned>(a.data.size());
    const uint64_t stored = a.data[offset / element] >> (8 * (offset % element));
    const uint64_t mask = size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1;
    return (stored & mask) == (value & mask);
}

// Inside an MMIO callback the PC is stale (see find_insn()): the instruction
// whose access of `type`, computed from the registers now, covers the
// `size` bytes at physical `pa`, and the physical address it starts at.
std::optional<Machine::Impl::PoolAccess> Machine::Impl::pool_access_insn(uint64_t pa, unsigned size, AccessType type) {
    const RegisterFile regs = registers();
    uint64_t start = 0;
    const auto pc = find_insn([&](uint32_t insn, uint64_t at) {
        const auto a = dis_.access(insn, at, regs);
        if (!a || a->type != type) return false;
        const auto from = translate(a->va);
        if (!from || pa < *from || pa + size > *from + a->size) return false;
        start = *from;
        return true;
    });
    if (!pc) return std::nullopt;
    return PoolAccess{*pc, start};
}

// Inside an MMIO callback the PC is stale (see find_insn()); the registers
// are current, so the store is the one whose address and data, computed now,
// are those of this callback.
lazymmu::Origin Machine::Impl::store_origin(uint64_t pa, uint64_t value, unsigned size) {
    // The rest of a store pair an injection interrupted: PC is at the vector already.
    if (interrupted_store_) return *interrupted_store_;
    // A store that says what it writes must write this; one that does not
    // (an atomic) only counts if no such store is found: its address alone
    // can match by coincidence (another function's base register).
    const RegisterFile regs = registers();
    const uint64_t from = uc().reg(UC_ARM64_REG_PC);
    auto search = [&](bool data_known) {
        return find_insn([&](uint32_t insn, uint64_t at) {
            const auto a = dis_.access(insn, at, regs);
            return a && a->type == AccessType::Write && a->data.empty() != data_known && writes(*a, pa, value, size);
        });
    };
    auto found = search(true);
    if (!found) found = search(false);
    const uint64_t pc = found.value_or(from);
    return {pc, raw_backtrace(pc, uc().x(30), uc().x(29))};
}

void Machine::Impl::pool_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        if (!m->store_ && m->freed_table_access(offset, size, AccessType::Write)) return;
        const size_t index = offset / 8;
        if (m->store_ && m->store_->index != index) m->commit_store();
        if (!m->store_) {
            // Unicorn may hold translations through this entry; they must not outlive the store.
            if (m->model_.flush_before_store(index))
                for (auto& c : m->cpus_) c->uc.flush_tlb();
            m->store_ = StoreInProgress{index, m->pool_.cpu(index), m->store_origin(LMEMU_PHYS_OFFSET + offset, value, size)};
        }
        m->pool_.write_bytes(offset, size, value);
        if ((offset + size) % 8 == 0) m->commit_store(true);
        if (m->ended_) return;
        // After the store, an injected interrupt or another CPU: either takes
        // over once the instruction completes (Unicorn finishes it, then runs
        // from the new PC, or stops there).
        if (const auto resume = std::exchange(m->completed_store_, std::nullopt)) {
            const lazymmu::Origin& origin = m->model_.writes().back().origin;
            bool taken = !m->triggers_.empty() && m->injection_event(InjectPoint::Event::PteWrite, *resume - 4, *resume);
            if (!taken) {
                m->schedule_point(PointKind::PteWrite, *resume - 4, *resume);
                taken = m->switch_to_ >= 0;
            }
            if (taken) m->interrupted_store_ = origin;
        }
    });
}

void Machine::Impl::pool_write_unobserved(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self) {
    static_cast<Impl*>(self)->pool_.write_bytes(offset, size, value);
}

void Machine::Impl::commit_store(bool in_store_callback) {
    if (!store_) return;
    StoreInProgress s = std::move(*store_);
    store_.reset();
    if (pool_.cpu(s.index) == s.old_value) return;
    const uint64_t store_pc = s.origin.pc;
    const auto lazy = lazy_state(running_);
    // A direct store under xen-pv is never queued; ppc64-hash and sparc64
    // queue its invalidation while their batch is active; s390 stores what it
    // cached while it empties its batch (`active` 2).
    const bool batched = lazymmu::caches_entries(config_.arch) ? lazy.cpu_lazy_mode == 2 : !xen_pv() && lazy.lazy();
    if (auto bbm = model_.on_store(running_, s.index, s.old_value, std::move(s.origin), lazy,
                                   store_deferral(s.index, s.old_value, pool_.cpu(s.index), batched)))
        return break_before_make(std::move(*bbm));
    // xen-pv: a store to a (read-only) table traps and the hypervisor emulates
    // it; ppc64-hash, sparc64, s390: the walker reads the table as stored.
    if (lazymmu::stores_take_effect_at_once(config_.arch)) model_.complete_store(running_, s.index);
    // Only a store that completes in its own callback can be interrupted right after it.
    if (in_store_callback) completed_store_ = store_pc + 4;
    else if (!triggers_.empty()) injection_event(InjectPoint::Event::PteWrite, store_pc, 0);
    timeline('i', "pgtable", [&] {
        const auto& w = model_.writes().back();
        return fmt::format("pte-write #{} {:#x} -> {:#x}", w.seq, w.old_value, w.new_value);
    });
    trace(TraceModule::PgTable, [&] {
        const auto& w = model_.writes().back();
        return fmt::format("pte-write #{} {:#x} {:#018x} -> {:#018x} at {}{}{}", w.seq, w.entry.value, w.old_value,
                           w.new_value, image_.symbolize(w.origin.pc), cpu_tag(), w.lazy.lazy() ? " [lazy]" : "");
    });
}

lazymmu::Deferral Machine::Impl::store_deferral(size_t index, uint64_t old_value, uint64_t new_value,
                                                bool batched) const {
    if (config_.arch == lazymmu::ArchModel::Arm64) return lazymmu::Deferral::Arm64Rule;  // on every store: nothing else
    int level = -1;
    pgtable::VirtAddr va;
    uint64_t span = 0;
    pool_.entry_span(index, level, va, span);
    const auto made = batched ? lazymmu::Deferral::Deferred : lazymmu::Deferral::Immediate;
    const bool batchable =
        lazymmu::batches_invalidations(config_.arch)
            // the invalidation of the translation it removed or changed waits
            ? level == 3 && kernel_va(va.value) && pgtable::Pte{old_value}.valid() && old_value != new_value
        : lazymmu::caches_entries(config_.arch)
            // s390: any kernel PTE change waits in the cache
            ? level == 3 && kernel_va(va.value) && old_value != new_value && s390_store_counts(index, new_value, batched)
            // xen-pv: the update itself waits
            : (level == 3 || level < 0) && lazymmu::valid_kernel_leaf(new_value, level);
    return batchable ? made : lazymmu::Deferral::None;
}

// Reported at the store: the architecture allows a TLB conflict abort or an
// amalgamated translation from here on, whatever the later accesses do.
void Machine::Impl::break_before_make(lazymmu::BreakBeforeMake bbm) {
    const auto& w = model_.writes().back();
    const int level = w.level;
    const std::string entry = fmt::format("{} entry at phys {:#x} (maps {:#018x})", pgtable::level_name(level),
                                          w.entry.value, w.va.value);
    const std::string what =
        bbm.contiguous
            ? fmt::format("{} leaves its contiguous range misprogrammed: {}; {}\n  first: {}", entry, bbm.rule,
                          bbm.where, pgtable::describe(pgtable::Pte{bbm.live_value}, level))
            : fmt::format("{} changed from one valid entry to another without break-before-make: {}; the old entry "
                          "is still live {}\n  live: {}",
                          entry, bbm.rule, bbm.where, pgtable::describe(pgtable::Pte{bbm.live_value}, level));
    Incident i = incident_here(
        fmt::format("{}\n  new:  {}", what, pgtable::describe(pgtable::Pte{w.new_value}, level)));
    i.hazard = Hazard::BreakBeforeMake;
    i.backtrace = symbolize(w.origin.backtrace);
    i.write = WriteInfo{w, symbolize(w.origin.backtrace)};
    if (bbm.break_write) i.break_write = WriteInfo{*bbm.break_write, symbolize(bbm.break_write->origin.backtrace)};
    end(Verdict::Hazard, std::move(i));
}

uint64_t Machine::Impl::walk_read(uc_engine*, uint64_t offset, unsigned size, void* self) {
    auto* m = static_cast<Impl*>(self);
    uint64_t v = 0;  // an invalid descriptor if anything goes wrong
    m->guard([&] {
        m->commit_store();
        v = m->model_.walker_answer(m->running_, offset / 8);
    });
    if (size == 8) return v;
    return (v >> (8 * (offset % 8))) & ((uint64_t{1} << (8 * size)) - 1);
}

}  // namespace lmemu::emu
