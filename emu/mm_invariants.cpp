// The mm lifetime invariants of Catalin Marinas' kernel-tla ctxsw model,
// checked at every scheduling point when the kernel is built with
// CONFIG_MM_INVARIANTS (it then defines `lmemu_mm_invariants`, the layout
// the host reads tasks, run queues and mm_structs by):
//   - a task's mm has mm_users > 0                   (mm-in-use-without-users)
//   - an mm named by an active_mm, a run queue's prev_mm, lazy_mm or drop_mm,
//     or a CPU's TTBR0 is not freed; with MMU_LAZY_TLB_REFCOUNT (every such
//     name holds an mm_count reference), and for drop_mm in any mode, it has
//     mm_count > 0                                    (mm-in-use-without-count)
//   - mm_users > 0 implies mm_count > 0              (mm-users-without-count)
// The return-to-user check (mm.cpp) is the fourth. A broken invariant ends
// the run where it is first seen: the step that broke it ran on this CPU
// since its previous scheduling point, which the report names.
#include "emu/machine_impl.h"

namespace lmemu::emu {

void Machine::Impl::load_mm_invariants() {
    mm_invariants_looked_ = true;
    const auto at = image_.symbol("lmemu_mm_invariants");
    if (!at) return;
    lmemu_mm_invariants l{};
    auto* fields = reinterpret_cast<unsigned long long*>(&l);
    for (size_t i = 0; i < sizeof l / 8; ++i) {
        const auto v = read_virt(*at + 8 * i, 8);
        if (!v) throw std::runtime_error("lmemu_mm_invariants is not readable");
        fields[i] = *v;
    }
    mm_invariants_ = l;
}

void Machine::Impl::check_mm_invariants(uint64_t pc) {
    if (!mm_invariants_looked_) load_mm_invariants();
    if (!mm_invariants_) return;  // only the first point of a machine gets here without them
    const lmemu_mm_invariants& l = *mm_invariants_;
    const bool refcount = l.lazy_refcount != 0;

    struct Mm {
        bool freed = false;
        uint64_t users = 0, count = 0;
    };
    // What is known of the mm at `addr`: a slab mm_struct or init_mm; nullopt for anything else.
    auto mm_at = [&](uint64_t addr) -> std::optional<Mm> {
        const SlabObject* o = nullptr;
        for (const auto& s : slab_)
            if (s.cache == "mm_struct" && s.addr == addr) o = &s;
        if (!o && addr != l.init_mm) return std::nullopt;
        if (o && o->freed) return Mm{true, 0, 0};
        const auto users = read_virt(addr + l.mm_users, 4), count = read_virt(addr + l.mm_count, 4);
        if (!users || !count) return std::nullopt;
        return Mm{false, *users, *count};
    };
    auto counts = [](const Mm& m) {
        return m.freed ? std::string("is freed") : fmt::format("has mm_users {}, mm_count {}", m.users, m.count);
    };
    auto since = [&] {
        const auto prev = last_point_pc_.find(running_);
        return prev == last_point_pc_.end()
                   ? fmt::format("; broken on CPU {} before {}", running_, image_.symbolize(pc))
                   : fmt::format("; broken on CPU {} between {} and {}", running_, image_.symbolize(prev->second),
                                 image_.symbolize(pc));
    };
    auto broken = [&](Hazard h, std::string what) {
        Incident i = incident_here(fmt::format("mm invariant broken: {}{}", what, since()));
        i.hazard = h;
        end(Verdict::Hazard, std::move(i));
    };
    // Names an mm that must stay alive: not freed, and, if the name holds a reference, counted.
    auto check_named = [&](uint64_t addr, const std::string& by, bool counted) {
        if (!addr) return true;
        const auto m = mm_at(addr);
        if (!m || (!m->freed && (!counted || m->count > 0))) return true;
        broken(Hazard::MmInUseWithoutCount,
               fmt::format("{} names mm {:#x}, which {}{}", by, addr, counts(*m),
                           m->freed   ? ""
                           : refcount ? " (MMU_LAZY_TLB_REFCOUNT: every active_mm holds an mm_count reference)"
                                      : " (it holds an mm_count reference)"));
        return false;
    };

    // The pgd each live mm has, remembered for a root loaded after its mm is freed.
    for (const auto& s : slab_)
        if (s.cache == "mm_struct" && !s.freed)
            if (const auto pgd = read_virt(s.addr + LMEMU_MM_PGD_OFFSET, 8); pgd && *pgd)
                if (const auto pa = translate(*pgd)) mm_pgd_pa_[s.addr] = *pa;

    std::vector<uint64_t> tasks;
    for (uint64_t i = 0; i < l.nr_task_slots; ++i)
        if (read_virt(l.task_slot_used + 4 * i, 4).value_or(0)) tasks.push_back(l.task_table + i * l.task_size);
    for (int c = 0; c < config_.cpus; ++c)
        if (const auto t = read_virt(l.cpu_tasks + 8 * static_cast<uint64_t>(c), 8); t && *t) tasks.push_back(*t);
    for (const uint64_t t : tasks) {
        const uint64_t mm = read_virt(t + l.task_mm, 8).value_or(0);
        if (mm)
            if (const auto m = mm_at(mm); m && (m->freed || m->users == 0))
                return broken(Hazard::MmInUseWithoutUsers,
                              fmt::format("{}'s mm {:#x} {}: a task's mm holds an mm_users reference", task_name(t), mm,
                                          counts(*m)));
        if (!check_named(read_virt(t + l.task_active_mm, 8).value_or(0), fmt::format("{}'s active_mm", task_name(t)),
                         refcount))
            return;
    }
    for (int c = 0; c < config_.cpus; ++c) {
        const uint64_t rq = l.runqueues + static_cast<uint64_t>(c) * l.rq_size;
        if (!check_named(read_virt(rq + l.rq_prev_mm, 8).value_or(0), fmt::format("CPU {}'s rq->prev_mm", c), refcount) ||
            !check_named(read_virt(rq + l.rq_lazy_mm, 8).value_or(0), fmt::format("CPU {}'s rq->lazy_mm", c), false) ||
            !check_named(read_virt(rq + l.rq_drop_mm, 8).value_or(0), fmt::format("CPU {}'s rq->drop_mm", c), true))
            return;
        if (!cpus_[c]->started || cpus_[c]->off) continue;
        const uint64_t root = guest_ttbr0(*cpus_[c]) & kTtbrBaddr;
        for (const auto& [mm, pa] : mm_pgd_pa_)
            if (root && pa == root && !check_named(mm, fmt::format("CPU {}'s TTBR0_EL1 (its pgd)", c), refcount)) return;
    }
    for (const auto& s : slab_)
        if (s.cache == "mm_struct")
            if (const auto m = mm_at(s.addr); m && !m->freed && m->users > 0 && m->count == 0)
                return broken(Hazard::MmUsersWithoutCount,
                              fmt::format("mm {:#x} {}: mm_users counts as one mm_count reference", s.addr, counts(*m)));
    last_point_pc_[running_] = pc;
}

}  // namespace lmemu::emu
