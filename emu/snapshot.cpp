// Boot once, run many: the machine runs the boot CPU up to its BOOTED
// hypercall (head.S), keeps that state, and every run after the first
// starts again from it. Guest RAM is put back with the host kernel's help:
// after boot it is a private mapping of a memory file holding the booted
// contents, and the pages a run wrote are copied back from that file
// (ram_snapshot.cpp). The page-table pool and the model's per-frame data are
// copy-on-write; the allocators are copied;
// every engine's registers come back with uc_context_restore. Translated
// code survives, which is most of what a run on a fresh engine pays for.
#include "emu/machine_impl.h"

#include <utility>

namespace lmemu::emu {

Machine::Impl::~Impl() = default;

// Runs the boot CPU from _start to its BOOTED hypercall, then keeps the state
// if asked to. Every machine takes the same path, so the first run of either
// kind gives the same report.
void Machine::Impl::boot_to_snapshot(bool keep) {
    booting_ = true;
    const TraceModules trace = std::exchange(config_.trace, TraceModules{});  // the event stream starts after boot
    try {
        uc().run(uc().reg(UC_ARM64_REG_PC), std::chrono::steady_clock::now() + std::chrono::seconds(1));
    } catch (const UnicornError&) {
    }
    config_.trace = trace;
    if (booting_ || ended_)
        throw UnicornError("the kernel did not reach its BOOTED hypercall (head.S): " +
                           (result_.incident ? result_.incident->message : std::string("it stopped before")));
    if (!keep) return;
    snapshot_ram();
    booted_ = std::make_unique<Booted>(*this);
    for (auto& c : cpus_) {
        uc_context* ctx = nullptr;
        check(uc_context_alloc(c->uc.raw(), &ctx), "uc_context_alloc");
        booted_->contexts.push_back(ctx);
        check(uc_context_save(c->uc.raw(), ctx), "uc_context_save");
    }
}

// Moves guest RAM onto a private mapping of a memory file that holds the
// booted contents (ram_snapshot.cpp).
void Machine::Impl::snapshot_ram() { ram_snapshot_ = std::make_unique<RamSnapshot>(ram_.get(), LMEMU_RAM_SIZE); }

// Puts the machine back as it was at BOOTED, for another run.
void Machine::Impl::restore_snapshot() {
    ram_snapshot_->restore();
    pool_ = booted_->pool;
    model_.restore(booted_->model);
    xen_ = booted_->xen;
    ram_alloc_ = booted_->ram_alloc;
    pool_alloc_ = booted_->pool_alloc;
    stack_mapped_ = booted_->stack_mapped;
    slab_.clear();
    lock_usage_.clear();
    held_locks_.clear();
    mm_pgd_pa_.clear();
    last_point_pc_.clear();
    for (size_t i = 0; i < cpus_.size(); ++i) {
        Cpu& c = *cpus_[i];
        check(uc_context_restore(c.uc.raw(), booted_->contexts[i]), "uc_context_restore");
        c.started = i == 0;
        c.kicked = c.smp_resume = c.idle = c.off = false;
        c.resume_at = 0;
        c.pending.clear();
        c.taking.reset();
        c.handlers.clear();
        c.ttbr0_write.reset();
        c.ttbr0_writer.clear();
        c.asid_tags.clear();
    }
    // The boot CPU's regime is set up: the host flush works there. The others
    // empty theirs at their own BOOTED hypercall, before anything can differ.
    cpus_[0]->uc.flush_tlb();
    running_ = 0;
    switch_to_ = -1;
    resumed_ = false;
    waiting_.clear();
    trackers_.clear();
    resumes_.clear();
    interrupted_store_.reset();
    completed_store_.reset();
    stop_at_block_ = false;
    block_stop_pc_.reset();
    store_.reset();
    result_ = RunResult{};
    ended_ = false;
    hvc_pc_ = 0;
}

}  // namespace lmemu::emu
