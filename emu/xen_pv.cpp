// The xen-pv arch model's host side: the host plays the hypervisor
// (lazymmu/xen_multicall.h). A request is made at once or queued in the
// CPU's multicall batch; when the batch is issued, the hypervisor makes
// each request in order and completes it before the guest runs on (the
// store, its DSB and the exception return; a flush and the DSB that waits
// for it). Until then the CPU's loads and walks see the old entry: a load
// of it is a stale-pte-read, an access through it an unactioned-mapping
// (held_updates.cpp).
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

using lazymmu::XenRequest;

void Machine::Impl::xen_mmu_update(uint64_t pa, uint64_t value, bool batched) {
    if (!xen_pv())
        return end(Verdict::GuestFault, incident_here(fmt::format("hypercall mmu_update under the {} arch model: only "
                                                                  "xen-pv has a hypervisor to take it",
                                                                  lazymmu::to_string(config_.arch))));
    if (pa % 8 || !pool_.contains(PhysAddr{pa}))
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("hypercall mmu_update: phys {:#x} is not a page-table entry (the pool "
                                             "is [{:#x}, {:#x}))",
                                             pa, LMEMU_PHYS_OFFSET, LMEMU_PHYS_OFFSET + LMEMU_POOL_SIZE)));
    const uint64_t pc = hvc_pc_;
    XenRequest r{XenRequest::Kind::MmuUpdate, pool_.index_of(PhysAddr{pa}), value, {},
                 {pc, raw_backtrace(pc, uc().x(30), uc().x(29))}, lazy_state(running_)};
    if (!batched || !config_.observe) return xen_apply(std::move(r), false);
    xen_queue(std::move(r));
}

void Machine::Impl::xen_queue(XenRequest r) {
    // __xen_mc_entry(): a full batch is issued before the next request goes in.
    if (xen_.full(running_)) {
        trace(TraceModule::PgTable, [&] { return fmt::format("xen multicall batch full: issued{}", cpu_tag()); });
        xen_mc_flush();
        if (ended_) return;
    }
    trace(TraceModule::PgTable, [&] {
        return r.kind == XenRequest::Kind::MmuUpdate
                   ? fmt::format("xen mmu_update {:#x} -> {:#018x} queued at {}{}", pool_.address_of(r.index).value,
                                 r.value, image_.symbolize(r.origin.pc), cpu_tag())
                   : fmt::format("xen tlb flush {:#x} queued at {}{}", r.flush.va.value, image_.symbolize(r.origin.pc),
                                 cpu_tag());
    });
    xen_.queue(running_, std::move(r));
}

void Machine::Impl::xen_mc_flush() {
    if (!xen_pv())
        return end(Verdict::GuestFault, incident_here(fmt::format("hypercall xen_mc_flush under the {} arch model",
                                                                  lazymmu::to_string(config_.arch))));
    for (XenRequest& r : xen_.take(running_)) {
        xen_apply(std::move(r), true);
        if (ended_) return;
    }
}

void Machine::Impl::xen_flush_tlb(const lazymmu::Tlbi& t) {
    // xen_flush_tlb_*(): xen_mc_batch(), MULTI_mmuext_op, xen_mc_issue(XEN_LAZY_MMU).
    const auto s = lazy_state(running_);
    if (config_.observe && s.cpu_lazy_mode == 1 && !s.in_interrupt()) {
        const uint64_t pc = hvc_pc_ ? hvc_pc_ : uc().reg(UC_ARM64_REG_PC);
        xen_queue({XenRequest::Kind::TlbFlush, 0, 0, t, {pc, raw_backtrace(pc, uc().x(30), uc().x(29))}, s});
        return;
    }
    xen_apply({XenRequest::Kind::TlbFlush, 0, 0, t, {}, s}, false);
}

void Machine::Impl::xen_apply(XenRequest r, bool queued) {
    if (r.kind == XenRequest::Kind::TlbFlush) {
        model_.on_hypervisor_flush(running_, r.flush);
        user_tlbi(r.flush);
        return;
    }
    const uint64_t old_value = pool_.cpu(r.index);
    if (!config_.observe) {
        pool_.write_bytes(r.index * 8, 8, r.value);
        return;
    }
    // Unicorn may hold translations through this entry; they must not outlive the update.
    if (model_.flush_before_store(r.index))
        for (auto& c : cpus_) c->uc.flush_tlb();
    pool_.write_bytes(r.index * 8, 8, r.value);
    if (old_value == r.value) return;
    if (auto bbm = model_.on_store(running_, r.index, old_value, std::move(r.origin), r.lazy,
                                   store_deferral(r.index, old_value, r.value, queued)))
        return break_before_make(std::move(*bbm));
    model_.complete_store(running_, r.index);
    trace(TraceModule::PgTable, [&] {
        const auto& w = model_.writes().back();
        return fmt::format("pte-write #{} {:#x} {:#018x} -> {:#018x} by the hypervisor for {}{}{}", w.seq,
                           w.entry.value, w.old_value, w.new_value, image_.symbolize(w.origin.pc), cpu_tag(),
                           queued ? " [batched]" : "");
    });
}

lazymmu::PteWrite Machine::Impl::xen_queued_write(const XenRequest& r) const {
    lazymmu::PteWrite w;
    w.cpu = running_;
    w.entry = pool_.address_of(r.index);
    uint64_t span = 0;
    pool_.entry_span(r.index, w.level, w.va, span);
    w.old_value = pool_.cpu(r.index);
    w.new_value = r.value;
    w.origin = r.origin;
    w.lazy = r.lazy;
    return w;
}

// The latest update of entry `index` this CPU has queued, as the write it will be.
std::optional<Machine::Impl::HeldUpdate> Machine::Impl::xen_held_update(size_t index) const {
    const XenRequest* r = xen_.queued_update(running_, index);
    if (!r) return std::nullopt;
    return HeldUpdate{xen_queued_write(*r),
                      fmt::format("an mmu_update still queued in CPU {}'s multicall batch (xen-pv): the hypervisor has "
                                  "not made it, so neither the CPU's loads nor its walks see it",
                                  running_),
                      "until the batch is issued (arch_leave/arch_flush_lazy_mmu_mode(), a context switch, or a full "
                      "batch)"};
}

}  // namespace lmemu::emu
