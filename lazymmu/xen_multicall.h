// Xen PV's per-CPU multicall batch (Linux arch/x86/xen/multicalls.c), kept
// by the host, which plays the hypervisor. In lazy MMU mode a Xen PV guest
// does not write its page tables: set_pte() and friends queue mmu_update
// requests, and TLB flushes queue mmuext_ops, in the batch of the CPU they
// run on. Nothing in the batch has happened until the batch is issued
// (xen_mc_flush(): at leave, flush, context switch, or when it is full); a
// load of an entry whose update is still queued returns the old value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "lazymmu/arm64_model.h"

namespace lmemu::lazymmu {

struct XenRequest {
    enum class Kind { MmuUpdate, TlbFlush };
    Kind kind = Kind::MmuUpdate;
    size_t index = 0;    // MmuUpdate: the pool entry
    uint64_t value = 0;  // MmuUpdate: its new value
    Tlbi flush;          // TlbFlush: what it invalidates
    Origin origin;       // where the guest made the request
    LazyState lazy;      // when it was made
};

class XenMulticall {
public:
    // Linux's batch holds MC_BATCH = 32 calls and MC_ARGS = 32 * 16 bytes of
    // arguments; consecutive mmu_updates share one call, 16 bytes each. Either
    // way 32 requests fill it, and __xen_mc_entry() issues a full batch
    // before it queues the next request.
    static constexpr size_t kBatchSize = 32;

    explicit XenMulticall(int cpus) : batches_(static_cast<size_t>(cpus)) {}

    bool full(int cpu) const { return batches_[cpu].size() >= kBatchSize; }
    size_t queued(int cpu) const { return batches_[cpu].size(); }
    void queue(int cpu, XenRequest r) { batches_[cpu].push_back(std::move(r)); }
    // The batch, in the order it was queued, for the hypervisor to carry out; the batch is empty after.
    std::vector<XenRequest> take(int cpu);
    // The latest update of entry `index` queued on `cpu`, or nullptr.
    const XenRequest* queued_update(int cpu, size_t index) const;

    template <class Hasher>
    void hash_state(Hasher& h) const {
        for (const auto& b : batches_) {
            h.add(b.size());
            for (const XenRequest& r : b) {
                h.add(static_cast<int>(r.kind));
                h.add(r.index);
                h.add(r.value);
                h.add(r.flush.va.value);
                h.add(r.flush.all);
                h.add(r.flush.asid);
                h.add(r.flush.pages);
                h.add(r.origin.pc);
            }
        }
    }

private:
    std::vector<std::vector<XenRequest>> batches_;  // per CPU
};

}  // namespace lmemu::lazymmu
