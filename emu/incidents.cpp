// Ending a run and describing where the guest is: incidents, lazy MMU state,
// what the allocator knows of a page.
#include "emu/machine_impl.h"

namespace lmemu::emu {

lazymmu::LazyState Machine::Impl::lazy_state(int cpu) const {
    const uint64_t task = current_task(cpu);
    lazymmu::LazyState s;
    // thread_info is first in task_struct: flags, then preempt_count (one translation:
    // this runs at every page-table store).
    if (const auto pa = (task & 7) == 0 ? translate(task) : std::nullopt; pa && in_ram(*pa, 16)) {
        std::memcpy(&s.thread_flags, ram_ptr(*pa), 8);
        std::memcpy(&s.preempt_count, ram_ptr(*pa + 8), 4);
    }
    if (const auto* t = find_tracker(task)) {
        s.depth = t->depth();
        s.paused = t->paused();
    }
    s.pending_writes = model_.pending_writes(cpu);
    s.arch = config_.arch;
    if (cpu_lazy_) {
        const auto& l = cpu_lazy_->layout;
        const uint64_t base = cpu_lazy_->va + cpu_lazy_->stride * static_cast<uint64_t>(cpu);
        s.cpu_lazy_mode = static_cast<int>(read_virt(base + l.active_offset, l.active_size).value_or(0));
        s.pending_writes = l.queued_offset >= 0 ? static_cast<int>(read_virt(base + l.queued_offset, 8).value_or(0))
                                                : static_cast<int>(xen_.queued(cpu));
    }
    return s;
}

// ---- exceptions ----------------------------------------------------------------

void Machine::Impl::end(Verdict v, Incident incident) {
    commit_store();
    result_.verdict = v;
    incident.lazy = lazy_state(running_);
    timeline('i', "incident", [&] {
        return fmt::format("{}{}", lazymmu::to_string(v), incident.hazard ? fmt::format(" {}", lazymmu::to_string(*incident.hazard)) : "");
    });
    result_.incident = std::move(incident);
    ended_ = true;
    uc().stop();
}

Incident Machine::Impl::incident_here(std::string message) {
    Incident i;
    i.message = std::move(message);
    i.cpu = running_;
    const uint64_t pc = hvc_pc_ ? hvc_pc_ : uc().reg(UC_ARM64_REG_PC);
    i.backtrace = symbolize(raw_backtrace(pc, uc().x(30), uc().x(29)));
    return i;
}

std::string Machine::Impl::open_sections(int cpu) const {
    std::vector<std::string> where;
    if (const auto* t = find_tracker(current_task(cpu)))
        for (uint64_t pc : t->open_sections()) where.push_back(image_.symbolize(pc));
    if (where.empty()) return {};
    return fmt::format("; open section(s) entered at {}", fmt::join(where, ", "));
}

std::string Machine::Impl::page_info(uint64_t va) const {
    for (int c = 0; c < config_.cpus; ++c) {
        const uint64_t guard = stack_top(c) - LMEMU_STACK_SIZE - kPage;
        if (va >= guard && va < guard + kPage) return fmt::format("CPU {}'s stack guard page (stack overflow?)", c);
    }
    for (uint64_t slot = 0; slot < LMEMU_MAX_TASKS; ++slot) {
        const uint64_t guard = LMEMU_TASK_STACK_TOP - slot * LMEMU_STACK_STRIDE - LMEMU_STACK_SIZE - kPage;
        if (stack_mapped_[slot] && va >= guard && va < guard + kPage)
            return fmt::format("the stack guard page of kernel thread slot {} (stack overflow?)", slot);
    }
    if (va < LMEMU_PAGE_OFFSET || va >= LMEMU_PAGE_OFFSET + (LMEMU_PHYS_END - LMEMU_PHYS_OFFSET)) return {};
    const uint64_t pa = va - LMEMU_PAGE_OFFSET + LMEMU_PHYS_OFFSET;
    const uint64_t pfn = pa >> 12;
    const auto& alloc = ram_alloc_.manages(pfn) ? ram_alloc_ : pool_alloc_;
    return fmt::format("linear map of pfn {:#x} (phys {:#x}), page {}", pfn, pa, allocator::to_string(alloc.state(pfn)));
}

std::optional<Incident> Machine::Impl::lazy_leak(int cpu, const char* when) {
    const auto s = lazy_state(cpu);
    if (s.depth == 0 && !s.lazy()) return std::nullopt;
    const std::string mode = s.arch == lazymmu::ArchModel::Arm64
                                 ? fmt::format("TIF_LAZY_MMU {}", s.lazy() ? "set" : "clear")
                                 : fmt::format("the CPU's lazy MMU mode {}", s.lazy() ? "on" : "off");
    Incident i = incident_here(fmt::format("{} in lazy MMU mode (depth {}, {})", when, s.depth, mode) +
                               open_sections(cpu));
    i.hazard = Hazard::LazyLeak;
    return i;
}

}  // namespace lmemu::emu
