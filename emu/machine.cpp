#include "emu/machine_impl.h"

#include <chrono>
#include <utility>

#include "pgtable/ptdump.h"

namespace lmemu::emu {

std::optional<TraceModules> TraceModules::parse(std::string_view spec) {
    static constexpr std::pair<std::string_view, TraceModule> kNames[] = {
        {"pgtable", TraceModule::PgTable}, {"barrier", TraceModule::Barrier}, {"lazymmu", TraceModule::LazyMmu},
        {"alloc", TraceModule::Alloc},     {"console", TraceModule::Console}, {"sched", TraceModule::Sched},
    };
    TraceModules t;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view name = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (name == "all") {
            t.mask = ~0u;
            continue;
        }
        const auto it = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& n) { return n.first == name; });
        if (it == std::end(kNames)) return std::nullopt;
        t.mask |= static_cast<unsigned>(it->second);
    }
    return t;
}

// ---- running ---------------------------------------------------------------------

RunResult Machine::Impl::run(const MachineConfig& per_run) {
    if (per_run.cpus != config_.cpus || per_run.policy != config_.policy ||
        per_run.debug_pagealloc != config_.debug_pagealloc || per_run.observe != config_.observe ||
        per_run.rodata_full != config_.rodata_full || per_run.arch_features != config_.arch_features)
        throw UnicornError("a run asked for another machine (CPUs, policy, DEBUG_PAGEALLOC, rodata=full, arch_features "
                           "or observation differ)");
    if (runs_++ > 0) {
        if (!booted_) throw UnicornError("this machine was built for one run (Machine::Runs::Once)");
        restore_snapshot();
    }
    config_.trace = per_run.trace;
    config_.timeout_ms = per_run.timeout_ms;
    config_.budget_blocks = per_run.budget_blocks;
    blocks_ = 0;
    budget_spent_ = false;
    config_.injections = per_run.injections;
    config_.choose = per_run.choose;
    config_.quantum_blocks = per_run.quantum_blocks;
    config_.timeline = per_run.timeline;
    timeline('B', "task", [&] { return task_name(current_task(running_)); });
    quantum_left_ = config_.quantum_blocks;
    resolve_injections();
    attach_injection_hooks();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(config_.timeout_ms);
    while (!ended_) {
        bool finished = false;
        if (std::chrono::steady_clock::now() < deadline) {
            try {
                finished = uc().run(uc().reg(UC_ARM64_REG_PC), deadline);
            } catch (const UnicornError& e) {
                if (!ended_) end(Verdict::GuestFault, incident_here(e.what()));
            }
        }
        if (ended_) break;
        if (!finished || budget_spent_) {
            Incident i = incident_here(
                budget_spent_ ? fmt::format("the guest did not finish within its budget of {} translated blocks",
                                            config_.budget_blocks)
                              : fmt::format("the guest did not finish within {} ms of wall time (the last-resort "
                                            "guard) after {} of its budget of {} translated blocks",
                                            config_.timeout_ms, blocks_, config_.budget_blocks));
            i.lazy = lazy_state(running_);
            result_.verdict = Verdict::Timeout;
            result_.wall_clock_stopped = !budget_spent_;
            result_.incident = std::move(i);
            break;
        }
        if (switch_to_ < 0) {
            end(Verdict::GuestFault, incident_here("the guest stopped without calling the exit hypercall"));
            break;
        }
        if (const auto pc = std::exchange(block_stop_pc_, std::nullopt)) uc().set_reg(UC_ARM64_REG_PC, *pc);
        running_ = switch_to_;
        switch_to_ = -1;
        interrupted_store_.reset();
        // An IPI sent while this CPU was not running is taken now, if it can be.
        if (std::exchange(resumed_, false))
            deliver_pending(uc().reg(UC_ARM64_REG_PC), fmt::format("when CPU {} resumed", running_));
    }
    detach_injection_hooks();
    for (int c = 0; c < config_.cpus; ++c) model_.settle_deferral(c);
    result_.metrics = model_.metrics();
    result_.blocks = blocks_;
    result_.final_state = lazy_state(0);
    return std::move(result_);
}

std::string Machine::Impl::ptdump() const {
    const std::vector<pgtable::AddressMarker> markers{
        {LMEMU_PAGE_OFFSET, "Linear Mapping start"},
        {LMEMU_PAGE_OFFSET + (LMEMU_PHYS_END - LMEMU_PHYS_OFFSET), "Linear Mapping end"},
        {LMEMU_KIMAGE_VADDR, "Kernel image start"},
        {LMEMU_KIMAGE_VADDR + LMEMU_KIMAGE_MAX, "Kernel image end"},
        {LMEMU_VMALLOC_START, "vmalloc() area"},
        {LMEMU_VMALLOC_END, "vmalloc() end"},
    };
    return pgtable::ptdump(PhysAddr{pgd_}, LMEMU_PAGE_OFFSET, [&](PhysAddr e) { return pool_.cpu_entry(e); },
                           markers);
}

Machine::Machine(const ElfImage& image, MachineConfig config, Runs runs)
    : impl_(std::make_unique<Impl>(image, config, runs == Runs::Many)), config_(std::move(config)) {}
Machine::~Machine() = default;
RunResult Machine::run() { return impl_->run(config_); }
RunResult Machine::run(const MachineConfig& per_run) { return impl_->run(per_run); }
std::string Machine::ptdump() const { return impl_->ptdump(); }
std::optional<uint64_t> Machine::translate(uint64_t va) const { return impl_->translate(va); }
std::optional<uint64_t> Machine::read_virt(uint64_t va, unsigned size) const { return impl_->read_virt(va, size); }
bool Machine::write_virt(uint64_t va, uint64_t value) { return impl_->write_virt(va, value); }
void Machine::map_page(uint64_t va, uint64_t pa, uint64_t prot) { impl_->map_page(va, pa, prot); }
uint64_t Machine::alloc_frame() { return impl_->alloc_frame(); }

}  // namespace lmemu::emu