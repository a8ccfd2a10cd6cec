// Hypercalls: the services the guest gets from "firmware" (frames, printk,
// WARN/BUG, tracepoints, task stacks, idle and IPIs, the interrupt
// controller) and the instructions rewritten to hvc (barriers, TLBIs, DAIF
// unmasks).
#include "emu/machine_impl.h"

namespace lmemu::emu {

void Machine::Impl::rewritten(uint64_t pc) {
    commit_store();
    const auto it = rewritten_.find(pc);
    if (it == rewritten_.end()) {
        end(Verdict::GuestFault, incident_here("hvc #0xffff is reserved for instructions lmemu rewrote"));
        return;
    }
    const MaintenanceInsn& r = it->second;
    if (r.kind == MaintenanceInsn::DaifClear || r.kind == MaintenanceInsn::DaifWrite) return write_daif(r);
    if (r.kind == MaintenanceInsn::Yield) return schedule_point(PointKind::Yield, pc);
    if (r.kind == MaintenanceInsn::Eret) return exception_return();
    if (r.kind == MaintenanceInsn::RegimeWrite && regime_register(r.insn) == std::string_view("TTBR0_EL1")) {
        const unsigned rt = r.insn & 0x1f;  // MSR <sysreg>, Xt
        return write_ttbr0(rt == 31 ? 0 : uc().x(rt));
    }
    if (r.kind == MaintenanceInsn::Ttbr0Read) {
        uc().set_x(r.rt, guest_ttbr0(cpu()));
        return;
    }
    if (r.kind == MaintenanceInsn::RegimeWrite)
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("the guest wrote {} ({}): lmemu's kernel translation regime is fixed — the "
                                             "kernel's tables are in the page-table pool it watches — so a scenario "
                                             "changes page-table entries, not these registers (TTBR0_EL1, the user "
                                             "root switch_mm() loads, it may write)",
                                             regime_register(r.insn), dis_.text(r.insn, pc))));
    // Another CPU may run before a barrier or TLBI takes effect: what it
    // does between a store and the barrier that publishes it is the race.
    const PointKind kind = r.kind == MaintenanceInsn::Barrier ? PointKind::Barrier : PointKind::Tlbi;
    if (!before_insn(kind, pc)) return;
    if (r.kind == MaintenanceInsn::Barrier) {
        model_.on_barrier(running_, r.barrier, pc);
        timeline('i', "barrier", [&] { return dis_.text(r.insn, pc); });
        trace(TraceModule::Barrier,
              [&] { return fmt::format("{} at {}{}", dis_.text(r.insn, pc), image_.symbolize(pc), cpu_tag()); });
        if (!triggers_.empty()) injection_event(InjectPoint::Event::Barrier, pc, pc + 4);
        return;
    }
    const uint64_t xt = r.rt == 31 ? 0 : uc().x(r.rt);
    if (auto t = decode_tlbi(r, xt, config_.arch_features.lpa2)) {
        if (t->asid >= 0) t->asid = static_cast<int32_t>(hw_asid(static_cast<uint64_t>(t->asid)));
        if (xen_pv()) {
            xen_flush_tlb(*t);  // a PV guest's flushes are hypercalls, batched like its updates
        } else {
            model_.on_tlbi(running_, *t);
            user_tlbi(*t);
        }
    } else {
        ++model_.metrics().tlbi;  // an encoding the model does not decode, but a TLBI all the same
    }
    timeline('i', "barrier", [&] { return fmt::format("{} ({:#x})", dis_.text(r.insn, pc), xt); });
    trace(TraceModule::Barrier,
          [&] { return fmt::format("{} ({:#x}) at {}{}", dis_.text(r.insn, pc), xt, image_.symbolize(pc), cpu_tag()); });
}

// ppc64-hash, sparc64, s390: the lazy MMU batch is the CPU's, so a context
// switch with it active hands the outgoing task's section (and what it
// queued or cached) to whatever runs next on this CPU. Their lazy hooks
// disable preemption for that reason (b9ef323ea168, a1d416bf9faf).
void Machine::Impl::batch_across_switch(uint64_t prev, uint64_t next) {
    if (!lazymmu::batch_is_per_cpu(config_.arch)) return;
    const auto s = lazy_state(running_);
    if (!s.lazy()) return;
    Incident i = incident_here(fmt::format(
        "context switch from {} to {} on CPU {} with the CPU's lazy MMU batch active ({} queued){}: the batch is the "
        "CPU's, not the task's, so {}'s page-table changes join {}'s section, and what {} queued or cached waits "
        "for whichever leave comes next on this CPU",
        task_name(prev), task_name(next), running_, s.pending_writes, open_sections(running_), task_name(next),
        task_name(prev), task_name(prev)));
    i.hazard = Hazard::LazyLeak;
    end(Verdict::Hazard, std::move(i));
}

void Machine::Impl::hypercall(uint16_t nr) {
    commit_store();
    model_.settle_deferral(running_);
    const uint64_t x0 = uc().x(0), x1 = uc().x(1), x2 = uc().x(2);
    auto bad_pointer = [&](const char* call, uint64_t va) {
        end(Verdict::GuestFault, incident_here(fmt::format("hypercall {}: bad guest pointer {:#x}", call, va)));
    };
    switch (nr) {
    case LMEMU_HVC_EXIT: {
        if (auto leak = lazy_leak(running_, "scenario ended")) return end(Verdict::Hazard, std::move(*leak));
        result_.verdict = result_.warnings.empty() ? Verdict::Clean : Verdict::Warn;
        ended_ = true;
        uc().stop();
        return;
    }
    case LMEMU_HVC_SMP_CALL: return smp_call(x0, x1, x2);
    case LMEMU_HVC_SMP_CALL_ASYNC: return smp_call_async(x0, x1, x2);
    case LMEMU_HVC_SMP_CALL_CSD: return smp_call_csd(x0, x1);
    case LMEMU_HVC_KMALLOC: return kmalloc(x0, x1);
    case LMEMU_HVC_KFREE: return kfree(x0);
    case LMEMU_HVC_KASAN_CHECK: return kasan_check(x0, x1, x2 != 0);
    case LMEMU_HVC_RETURN_TO_USER: return return_to_user();
    case LMEMU_HVC_LOCK_ACQUIRE: return lock_acquire(x0);
    case LMEMU_HVC_LOCK_RELEASE: return lock_release(x0);
    case LMEMU_HVC_RCU_SUSPICIOUS: return rcu_suspicious(x0, x1, x2);
    case LMEMU_HVC_CPU_OFF: return cpu_off();
    case LMEMU_HVC_CPU_ON: return cpu_on(x0);
    case LMEMU_HVC_XEN_MMU_UPDATE: return xen_mmu_update(x0, x1, x2 != 0);
    case LMEMU_HVC_XEN_MC_FLUSH: return xen_mc_flush();
    case LMEMU_HVC_SMP_RETURN: return smp_return();
    case LMEMU_HVC_TASK_STACK: uc().set_reg(UC_ARM64_REG_X0, task_stack(x0)); return;
    case LMEMU_HVC_TASK_EXIT: {
        const std::string name = task_name(current_task(running_));
        trace(TraceModule::Sched, [&] { return fmt::format("{} exits{}", name, cpu_tag()); });
        if (auto leak = lazy_leak(running_, fmt::format("task {} exited", name).c_str()))
            return end(Verdict::Hazard, std::move(*leak));
        return;
    }
    case LMEMU_HVC_CPU_IDLE: return cpu_idle();
    case LMEMU_HVC_SEND_IPI: return send_ipi(x0);
    case LMEMU_HVC_IRQ_ACK: return irq_ack(x0);
    case LMEMU_HVC_IRQ_HANDLER: return irq_handler(x0 != 0, x1);
    case LMEMU_HVC_IRQ_RETURN: return irq_return();
    case LMEMU_HVC_BOOTED:
        // Unicorn's regime is recomputed now: the host's TLB flush works from here on.
        uc().flush_tlb();
        if (booting_) {
            booting_ = false;
            uc().stop();
        }
        return;
    case LMEMU_HVC_SCHED_SWITCH:
        trace(TraceModule::Sched, [&] { return fmt::format("sched_switch: {} -> {}{}", task_name(x0), task_name(x1), cpu_tag()); });
        timeline('E', "task", [&] { return task_name(x0); });
        timeline('B', "task", [&] { return task_name(x1); });
        return batch_across_switch(x0, x1);
    case LMEMU_HVC_ALLOC_PAGES: {
        const auto pfn = ram_alloc_.alloc(static_cast<unsigned>(x0));
        uc().set_reg(UC_ARM64_REG_X0, pfn ? (*pfn << 12) : 0);
        trace(TraceModule::Alloc, [&] { return fmt::format("alloc_pages(order {}) -> {:#x}", x0, pfn ? *pfn << 12 : 0); });
        return;
    }
    case LMEMU_HVC_FREE_PAGES: {
        const auto r = ram_alloc_.free(x0 >> 12, static_cast<unsigned>(x1));
        trace(TraceModule::Alloc, [&] { return fmt::format("free_pages({:#x}, order {})", x0, x1); });
        if (r != allocator::FreeResult::Ok) bad_page(x0, x1, r);
        return;
    }
    case LMEMU_HVC_ALLOC_PGTABLE: {
        const auto pfn = pool_alloc_.alloc(0, allocator::PageState::PageTable);
        if (pfn) model_.forget_frame(PhysAddr{*pfn << 12});
        uc().set_reg(UC_ARM64_REG_X0, pfn ? (*pfn << 12) : 0);
        return;
    }
    case LMEMU_HVC_FREE_PGTABLE:
        if (const auto r = pool_alloc_.free(x0 >> 12, 0, allocator::PageState::PageTable); r != allocator::FreeResult::Ok)
            return bad_page(x0, 0, r);
        forget_user_root(x0);
        return;
    case LMEMU_HVC_PRINTK: {
        const auto s = read_string(x0, std::min<uint64_t>(x1, 1024));
        if (!s) return bad_pointer("printk", x0);
        if (result_.console.size() < RunLimits::kConsoleLines) result_.console.push_back(*s);
        else ++result_.dropped.console;
        trace(TraceModule::Console, [&] { return "printk: " + *s; });
        return;
    }
    case LMEMU_HVC_WARN:
    case LMEMU_HVC_BUG: {
        const auto file = read_string(x0, 256);
        const auto cond = read_string(x2, 256);
        if (!file || !cond) return bad_pointer(nr == LMEMU_HVC_WARN ? "WARN" : "BUG", !file ? x0 : x2);
        const std::string what = fmt::format("{} at {}:{}: {}", nr == LMEMU_HVC_WARN ? "WARNING" : "kernel BUG",
                                             *file, x1, *cond);
        if (nr == LMEMU_HVC_BUG) return end(Verdict::Bug, incident_here(what));
        if (result_.warnings.size() < RunLimits::kWarnings) {
            Incident w = incident_here(what);
            w.lazy = lazy_state(running_);
            result_.warnings.push_back(std::move(w));
        } else {
            ++result_.dropped.warnings;
        }
        trace(TraceModule::Console, [&] { return what; });
        return;
    }
    case LMEMU_HVC_LAZY_MMU: {
        if (x0 < LMEMU_LAZY_ENABLE || x0 > LMEMU_LAZY_RESUME) return bad_pointer("lazy_mmu event", x0);
        const auto event = static_cast<lazymmu::LazyEvent>(x0);
        static constexpr const char* kName[] = {"", "enable", "disable", "flush", "pause", "resume"};
        trace(TraceModule::LazyMmu, [&] {
            return fmt::format("lazy_mmu {} (depth {}) at {}{}", kName[x0], tracker(current_task(running_)).depth(),
                               image_.symbolize(x1 ? x1 : hvc_pc_), cpu_tag());
        });
        const uint64_t caller = x1 ? x1 : hvc_pc_;
        if (event == lazymmu::LazyEvent::Enable || event == lazymmu::LazyEvent::Disable)
            timeline(event == lazymmu::LazyEvent::Enable ? 'B' : 'E', "lazy_mmu",
                     [&] { return fmt::format("lazy MMU section ({})", image_.function_at(caller)); });
        if (auto broken = tracker(current_task(running_)).on_event(event, caller)) {
            Incident i = incident_here(*broken + open_sections(running_));
            i.hazard = Hazard::Nesting;
            end(Verdict::Hazard, std::move(i));
        }
        return;
    }
    case LMEMU_HVC_MIGHT_SLEEP: return might_sleep(x0, x1);
    default:
        end(Verdict::GuestFault, incident_here(fmt::format("unknown hypercall hvc #{:#x}", nr)));
    }
}

// Linux's bad_page() report for a refused free; the frame stays as it was.
void Machine::Impl::bad_page(uint64_t phys, uint64_t order, allocator::FreeResult why) {
    end(Verdict::Bug, incident_here(fmt::format("BUG: Bad page state in process {}  pfn:{:x}\n"
                                                "freeing phys {:#x}, order {}: page dumped because: {}",
                                                task_name(current_task(running_)), phys >> 12, phys, order,
                                                allocator::to_string(why))));
}

// __might_sleep(): sleeping is a bug in atomic context or with interrupts
// off (the kernel's own report), and a lazy-MMU hazard inside a section.
void Machine::Impl::might_sleep(uint64_t file, uint64_t line) {
    const auto s = lazy_state(running_);
    const bool in_lazy = (s.depth > 0 && s.paused == 0) || s.lazy();
    const bool irqs_off = irqs_masked();
    std::string bug;
    if (s.preempt_count != 0 || irqs_off)
        bug = fmt::format("BUG: sleeping function called from invalid context at {}:{}\n"
                          "in_atomic(): {}, irqs_disabled(): {}, non_block: 0, name: {}\n"
                          "preempt_count: {:x}, expected: 0",
                          read_string(file, 256).value_or("?"), line, s.preempt_count != 0 ? 1 : 0, irqs_off ? 1 : 0,
                          task_name(current_task(running_)), s.preempt_count);
    if (in_lazy) {
        std::string what = "a sleeping call inside a lazy MMU section" + open_sections(running_);
        if (!bug.empty()) what += "\n" + bug;
        Incident i = incident_here(std::move(what));
        i.hazard = Hazard::SleepInLazy;
        return end(Verdict::Hazard, std::move(i));
    }
    if (!bug.empty()) end(Verdict::Bug, incident_here(std::move(bug)));
}

}  // namespace lmemu::emu
