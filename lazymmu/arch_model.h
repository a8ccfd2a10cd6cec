// The arch models: what an architecture's lazy MMU mode defers (DESIGN.md §1).
// Every model executes arm64 code on arm64 page tables; a model changes what
// the lazy-MMU layer defers and what the guest's arch hooks do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lmemu::lazymmu {

enum class ArchModel {
    Arm64,      // v6.16: the dsb/isb after a kernel PTE store are deferred (Arm64Model alone)
    XenPv,      // page-table updates are mmu_update requests, queued in a per-CPU multicall batch
    Ppc64Hash,  // stores take effect at once; hash/TLB invalidations queue in a per-CPU ppc64_tlb_batch
    Sparc64,    // stores take effect at once; TSB/TLB flushes queue in a per-CPU tlb_batch
    S390,       // PTE updates wait in a per-CPU ipte_batch cache until leave (Gordeev's IPTE batching)
};

struct ArchModelInfo {
    ArchModel model;
    std::string_view name;    // as case files spell it
    std::string_view define;  // the guest's CONFIG_ macro
};
const std::vector<ArchModelInfo>& arch_models();
std::optional<ArchModel> parse_arch_model(std::string_view name);
std::string_view to_string(ArchModel m);
std::string_view config_define(ArchModel m);
std::vector<std::string> arch_model_names();

// Whether a page-table store reaches the table walker with no barrier: the
// hypervisor makes it (xen-pv), or the walker reads the tables as stored.
inline bool stores_take_effect_at_once(ArchModel m) { return m != ArchModel::Arm64; }

// Whether lazy MMU mode batches the invalidation of what a store replaced,
// in a batch the guest keeps per CPU (ppc64-hash, sparc64).
inline bool batches_invalidations(ArchModel m) { return m == ArchModel::Ppc64Hash || m == ArchModel::Sparc64; }

// Whether lazy MMU mode keeps the new values of PTEs in a cache the guest
// keeps per CPU, and stores them (after one batched invalidation) at leave:
// s390. Only the arch's ptep_get() reads the cache; a direct load of the
// entry, or any other CPU's, sees the old value.
inline bool caches_entries(ArchModel m) { return m == ArchModel::S390; }

// Whether the lazy MMU batch belongs to the CPU rather than the task, so a
// context switch in an open section hands it to the next task.
inline bool batch_is_per_cpu(ArchModel m) { return batches_invalidations(m) || caches_entries(m); }

// Where the guest keeps a CPU's lazy state, for models that keep it per CPU:
// an array of NR_CPUS structures, `active` being 1 in lazy mode (xen-pv: the
// mode itself), `queued` what waits in the batch (-1: kept by the host).
struct CpuLazyLayout {
    const char* symbol;
    unsigned active_offset, active_size;
    int queued_offset;
};
std::optional<CpuLazyLayout> cpu_lazy_layout(ArchModel m);

}  // namespace lmemu::lazymmu
