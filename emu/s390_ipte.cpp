// The s390 arch model's host side. The guest keeps the new values of PTEs
// set in lazy MMU mode in a per-CPU cache of one page table (struct
// ipte_batch, kernel/arch/s390/mm/ipte_batch.c) and stores them at leave,
// after one batched IPTE, as Gordeev's "s390/mm: Batch PTE updates in lazy
// MMU mode" does. The entry stays valid, and old, until then: only the
// caching CPU's ptep_get() reads the cache. The host reads the caches to
// say which loads and accesses miss an update (held_updates.cpp).
#include "emu/machine_impl.h"

namespace lmemu::emu {

namespace {
constexpr uint64_t kPtrsPerPte = 512;
constexpr uint64_t kCaching = 1;  // ipte_batch.active: in lazy MMU mode (0: off)
constexpr uint64_t kStoring = 2;  // ipte_batch.active: the leave is storing the cache
}  // namespace

std::optional<Machine::Impl::IpteSlot> Machine::Impl::s390_cached(int cpu, size_t index) const {
    if (!cpu_lazy_) return std::nullopt;
    const uint64_t batch = cpu_lazy_->va + cpu_lazy_->stride * static_cast<uint64_t>(cpu);
    const uint64_t active = read_virt(batch + LMEMU_S390_IPTE_BATCH_ACTIVE, 8).value_or(0);
    if (active != kCaching && active != kStoring) return std::nullopt;
    const auto table_va = read_virt(batch + LMEMU_S390_IPTE_BATCH_TABLE, 8);
    const auto table = table_va && *table_va ? translate(*table_va) : std::nullopt;
    if (!table || !pool_.contains(PhysAddr{*table})) return std::nullopt;
    const size_t first = pool_.index_of(PhysAddr{*table});
    if (index < first || index >= first + kPtrsPerPte) return std::nullopt;
    const uint64_t slot = index - first;
    const uint64_t ip = read_virt(batch + LMEMU_S390_IPTE_BATCH_IPS + 8 * slot, 8).value_or(0);
    if (!ip) return std::nullopt;  // this entry is not cached
    return IpteSlot{read_virt(batch + LMEMU_S390_IPTE_BATCH_PTES + 8 * slot, 8).value_or(0), ip, active == kStoring};
}

bool Machine::Impl::s390_store_counts(size_t index, uint64_t new_value, bool batched) const {
    // Of the leave's stores, the one of the cached value counts, not the IPTE's break.
    if (batched) {
        const auto cached = s390_cached(running_, index);
        return !cached || cached->value == new_value;
    }
    // A direct store while the cache holds another table is by design; with the cache off, batching was lost.
    return lazy_state(running_).cpu_lazy_mode != static_cast<int>(kCaching);
}

std::optional<Machine::Impl::HeldUpdate> Machine::Impl::s390_held_update(size_t index) const {
    for (int cpu = 0; cpu < config_.cpus; ++cpu) {
        const auto cached = s390_cached(cpu, index);
        // While a CPU stores its cache, its own loads of the table are the leave's.
        if (!cached || (cached->storing && cpu == running_)) continue;
        lazymmu::PteWrite w;
        w.cpu = cpu;
        w.entry = pool_.address_of(index);
        uint64_t span = 0;
        pool_.entry_span(index, w.level, w.va, span);
        w.old_value = pool_.cpu(index);
        w.new_value = cached->value;
        w.origin = {cached->ip, {cached->ip}};
        w.lazy = lazy_state(cpu);
        const bool own = cpu == running_;
        return HeldUpdate{
            std::move(w),
            fmt::format("a new value cached in CPU {}'s ipte_batch (s390): only that CPU's ptep_get() reads the cache, "
                        "so the table, its walker and any direct load have the old entry",
                        cpu),
            own ? std::string("until this CPU leaves lazy MMU mode; ptep_get() would have returned the cached value")
                : fmt::format("and no CPU but CPU {} sees the new one before that CPU leaves lazy MMU mode", cpu)};
    }
    return std::nullopt;
}

}  // namespace lmemu::emu
