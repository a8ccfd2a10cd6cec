#include "lazymmu/arm64_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <utility>

#include "kernel/include/lmemu/machine.h"

namespace lmemu::lazymmu {

using pgtable::DescType;
using pgtable::Pte;

namespace {
uint64_t leaf_part(uint64_t v, uint64_t offset, int level);

}  // namespace

bool valid_kernel_leaf(uint64_t v, int level) {
    const Pte p{v};
    return p.valid() && !p.user() && (level < 0 || p.is_leaf(level));
}

Arm64Model::Arm64Model(pgtable::TablePool& pool, int cpus, ArchFeatures features)
    : pool_(pool), features_(features), meta_(pool.size() / pgtable::kPageSize), cpus_(static_cast<size_t>(cpus)) {}

void Arm64Model::restore(const Arm64Model& snapshot) {
    meta_ = snapshot.meta_;
    cpus_ = snapshot.cpus_;
    stale_ = snapshot.stale_;
    writes_ = snapshot.writes_;
    tick_ = snapshot.tick_;
    metrics_ = snapshot.metrics_;
}

std::optional<uint64_t> Arm64Model::shown_value(int cpu, size_t index, bool& by_agreement) const {
    const EntryMeta& m = meta_.get(index);
    if (m.isb_write[cpu]) return std::nullopt;
    int level = -1;
    VirtAddr va;
    uint64_t span = 0;
    const bool linked = pool_.entry_span(index, level, va, span);
    const uint64_t now = pool_.cpu(index), walker = pool_.walker(index);
    const bool pending = std::any_of(m.pending_write.begin(), m.pending_write.end(), [](uint32_t w) { return w != 0; });
    uint64_t shown = now;
    // Folds in a translation the CPU may also use; false if an access could tell them apart.
    auto fold = [&](uint64_t v) {
        const auto agreed = agreeing(shown, v, level);
        if (agreed) shown = *agreed;
        return agreed.has_value();
    };
    if (now != walker || pending || m.stale[cpu]) {
        // Every translation the CPU may use through the entry must agree with the walker's.
        if (!linked || !Pte{walker}.valid()) return std::nullopt;
        shown = walker;
        if (!fold(now)) return std::nullopt;
        for (const uint32_t w : m.pending_write)
            if (w && !fold(writes_[w - 1].new_value)) return std::nullopt;
        for (const auto& c : cpus_)
            for (const Superseded& s : c.superseded)
                if (s.entry == index && !fold(writes_[s.write - 1].new_value)) return std::nullopt;
        // A leaf record over what is now a table is judged by the entries below, VA by VA.
        const bool table_now = Pte{walker}.type(level) == DescType::Table && now == walker && !pending;
        for (const Stale& s : stale_)
            if (s.cpu == cpu && s.entry == index && in_regime(cpu, s) && !(s.leaf && table_now) && !fold(s.value))
                return std::nullopt;
        by_agreement = true;
    }
    // A leaf an entry above this one may still give from a TLB must translate this entry's VAs alike.
    if (linked && level > 0 && Pte{shown}.valid())
        for (const Stale& s : stale_)
            if (s.cpu == cpu && in_regime(cpu, s) && s.leaf && s.level >= 0 && s.level < level &&
                va.value - s.va.value < s.span()) {
                if (!fold(leaf_part(s.value, va.value - s.va.value, level))) return std::nullopt;
                by_agreement = true;
            }
    return shown;
}

bool Arm64Model::flush_before_store(size_t index) {
    if (std::exchange(shown_by_agreement_, false)) return true;
    for (int c = 0; c < static_cast<int>(cpus_.size()); ++c) {
        bool agreed = false;
        if (const auto v = shown_value(c, index, agreed); v && Pte{*v}.valid()) return true;
    }
    return false;
}

namespace {
// What a leaf descriptor says about the accesses it translates, besides the output address.
constexpr uint64_t kTranslationAttrs = pgtable::field::kAttrIndx | pgtable::field::kNS | pgtable::field::kAPUser |
                                       pgtable::field::kAPReadOnly | pgtable::field::kSH | pgtable::field::kAF |
                                       pgtable::field::kNG | pgtable::field::kDBM | pgtable::field::kPXN |
                                       pgtable::field::kUXN;

// Descriptor `v` at `level` with the hierarchical restrictions of a table above it applied.
uint64_t restricted(uint64_t v, int level, uint64_t table) {
    namespace f = pgtable::field;
    if (!Pte{v}.valid()) return v;
    if (Pte{v}.type(level) == DescType::Table) return v | (table & f::kTableRestrictions);
    if (table & f::kPXNTable) v |= f::kPXN;
    if (table & f::kUXNTable) v |= f::kUXN;
    if (table & f::kAPTableReadOnly) v |= f::kAPReadOnly;
    if (table & f::kAPTableNoUser) v &= ~f::kAPUser;
    return v;
}

// The leaf `v` (at any level) as a descriptor at `level` mapping `offset` bytes into it.
uint64_t leaf_part(uint64_t v, uint64_t offset, int level) {
    namespace f = pgtable::field;
    const uint64_t part = (v & ~(f::kOutputAddress | f::kTable)) | (Pte{v}.output_address().value + offset);
    return level == 3 ? part | f::kTable : part;
}

// What memory a leaf maps and how, apart from what it allows: TLBs that disagree here
// can give an access the wrong memory, whatever it is.
constexpr uint64_t kMemoryAttrs =
    pgtable::field::kAttrIndx | pgtable::field::kNS | pgtable::field::kSH | pgtable::field::kNG;

// What both leaves allow: the stricter of each permission.
uint64_t allowed_by_both(uint64_t a, uint64_t b) {
    namespace f = pgtable::field;
    uint64_t r = a | (b & (f::kAPReadOnly | f::kPXN | f::kUXN));
    if (!(b & f::kAF)) r &= ~f::kAF;
    if (!(b & f::kAPUser)) r &= ~f::kAPUser;
    if (!(b & f::kDBM)) r &= ~f::kDBM;
    return r;
}

// Whether page descriptor `v` lets an EL1 access of kind `k` through.
bool allows(uint64_t v, Access k) {
    namespace f = pgtable::field;
    if (!Pte{v}.valid() || !(v & f::kAF)) return false;
    if (k == Access::Write) return !(v & f::kAPReadOnly);
    if (k == Access::Fetch) return !(v & f::kPXN);
    return true;
}

// Whether page descriptors `a` and `b` give an access the same outcome: allowed by
// neither, or by both to the same memory.
bool same_outcome(uint64_t a, uint64_t b, Access k) {
    if (allows(a, k) != allows(b, k)) return false;
    return !allows(a, k) ||
           (Pte{a}.output_address() == Pte{b}.output_address() && ((a ^ b) & kMemoryAttrs) == 0);
}

// The page descriptor walk `w` gives `va`'s page, whatever the size of its leaf.
uint64_t current_leaf(const pgtable::Walk& w, VirtAddr va) {
    uint64_t leaf = w.last().pte.raw();
    for (int i = 0; i + 1 < w.depth; ++i) leaf = restricted(leaf, w.last().level, w.steps[i].pte.raw());
    return leaf_part(leaf, va.page_base() & (pgtable::level_span(w.last().level) - 1), 3);
}
}  // namespace

uint64_t Arm64Model::child_entry(uint64_t v, int level, unsigned i) const {
    const Pte p{v};
    if (p.type(level) != DescType::Table) return leaf_part(v, i * pgtable::level_span(level + 1), level + 1);
    const auto child = pool_.cpu_entry(PhysAddr{p.output_address().value + 8 * i});
    return child ? restricted(*child, level + 1, v) : 0;
}

bool Arm64Model::same_translations(uint64_t a, uint64_t b, int level) const {
    if (a == b) return true;
    const DescType ta = Pte{a}.type(level), tb = Pte{b}.type(level);
    auto usable = [](DescType t) { return t != DescType::Invalid && t != DescType::Reserved; };
    if (!usable(ta) || !usable(tb)) return false;
    if (ta != DescType::Table && tb != DescType::Table) return same_leaf_translation(a, b, level);
    if (level == 3) return false;
    for (unsigned i = 0; i < pgtable::kEntriesPerTable; ++i)
        if (!same_translations(child_entry(a, level, i), child_entry(b, level, i), level + 1)) return false;
    return true;
}

bool Arm64Model::same_leaf_translation(uint64_t a, uint64_t b, int level) {
    if (a == b) return true;
    if (level < 0 || !Pte{a}.is_leaf(level) || !Pte{b}.is_leaf(level)) return false;
    return Pte{a}.output_address() == Pte{b}.output_address() && (a & kTranslationAttrs) == (b & kTranslationAttrs);
}

std::optional<uint64_t> Arm64Model::agreeing(uint64_t a, uint64_t b, int level) const {
    if (same_translations(a, b, level)) return a;
    if (!Pte{a}.is_leaf(level) || !Pte{b}.is_leaf(level)) return std::nullopt;
    if (Pte{a}.output_address() != Pte{b}.output_address() || ((a ^ b) & kMemoryAttrs)) return std::nullopt;
    return allowed_by_both(a, b);
}

uint64_t Arm64Model::page_of(uint64_t v, int level, VirtAddr va) const {
    for (; level < 3 && Pte{v}.type(level) == DescType::Table; ++level) v = child_entry(v, level, va.index(level + 1));
    if (!Pte{v}.is_leaf(level)) return 0;
    return leaf_part(v, va.page_base() & (pgtable::level_span(level) - 1), 3);
}

std::optional<BreakBeforeMake> Arm64Model::on_store(int cpu, size_t index, uint64_t old_value, Origin origin,
                                                    const LazyState& lazy, Deferral deferral) {
    ++tick_;
    settle_deferral(cpu);
    const uint64_t new_value = pool_.cpu(index);

    PteWrite w;
    w.seq = writes_.size() + 1;
    w.cpu = cpu;
    w.entry = pool_.address_of(index);
    uint64_t span = 0;
    pool_.entry_span(index, w.level, w.va, span);
    w.old_value = old_value;
    w.new_value = new_value;
    w.origin = std::move(origin);
    w.lazy = lazy;
    w.lazy.pending_writes = pending_writes(cpu);
    writes_.push_back(std::move(w));

    ++metrics_.pte_writes;
    const int level = writes_.back().level;
    const bool in_open_section = lazy.depth > 0 && lazy.paused == 0 && !lazy.in_interrupt();
    switch (deferral) {
    case Deferral::Arm64Rule:
        if (!valid_kernel_leaf(new_value, level) || (level != 3 && level >= 0)) break;
        if (lazy.lazy() && lazy.in_interrupt()) cpus_[cpu].deferral_undecided = true;
        else if (lazy.lazy()) ++metrics_.deferred;
        else if (in_open_section) ++metrics_.lost_batching;
        break;
    case Deferral::Deferred: ++metrics_.deferred; break;
    case Deferral::Immediate:
        if (in_open_section) ++metrics_.lost_batching;
        break;
    case Deferral::None: break;
    }

    EntryMeta& m = meta_.at(index);
    CpuState& c = cpus_[cpu];
    if (const uint32_t prev = m.pending_write[cpu]) {
        // Overwritten before a DSB: the walker may have read it all the same.
        const uint64_t prev_value = writes_[prev - 1].new_value;
        // One record per translation: a value the walker may have read is no likelier for being stored twice,
        // and an entry flipped back and forth must not cost more per store each time.
        if (Pte{prev_value}.valid() && prev_value != new_value &&
            std::none_of(c.superseded.begin(), c.superseded.end(), [&](const Superseded& s) {
                return s.entry == index && same_leaf_translation(writes_[s.write - 1].new_value, prev_value, level);
            }))
            c.superseded.push_back({index, prev});
    }
    const bool overwrote_valid = std::any_of(c.superseded.begin(), c.superseded.end(),
                                             [&](const Superseded& s) { return s.entry == index; });
    if (new_value == pool_.walker(index) && !overwrote_valid) {
        // Stored back what the walker already sees: nothing left to action.
        if (m.pending_write[cpu]) std::erase(c.pending, index);
        m.pending_write[cpu] = 0;
    } else {
        if (!m.pending_write[cpu]) c.pending.push_back(index);
        m.pending_write[cpu] = static_cast<uint32_t>(writes_.size());
    }
    return level >= 0 ? check_break_before_make(index, level) : std::nullopt;
}

std::optional<BreakBeforeMake> Arm64Model::check_break_before_make(size_t index, int level) const {
    const uint64_t new_value = pool_.cpu(index);
    if (!Pte{new_value}.valid()) return std::nullopt;
    // `where` is only formatted for a violation: this runs at every store.
    auto violation = [&](uint64_t live, auto where, std::optional<PteWrite> break_write)
        -> std::optional<BreakBeforeMake> {
        auto rule = break_required(live, new_value, level, features_);
        if (!rule) return std::nullopt;
        return BreakBeforeMake{live, std::move(*rule), where(), std::move(break_write)};
    };
    // The entry as the walker has it: never made invalid, or the invalid entry never made visible.
    if (const uint64_t walker = pool_.walker(index); walker != new_value)
        if (auto v = violation(walker, [] { return std::string(); }, std::nullopt)) {
            // A store of an invalid entry since the walker's value was actioned, if any: it never reached the walker.
            const PhysAddr entry = pool_.address_of(index);
            for (auto w = writes_.rbegin() + 1; w != writes_.rend() && !v->break_write; ++w) {
                if (w->entry != entry) continue;
                if (w->actioned_at) break;
                if (!Pte{w->new_value}.valid()) v->break_write = *w;
            }
            v->where = v->break_write ? "in the walker view: no DSB has made the invalid entry visible"
                                      : "in the walker view: the entry was never made invalid";
            return v;
        }
    // Values stored and overwritten before a DSB, which the walker may have read.
    for (const auto& c : cpus_)
        for (const Superseded& s : c.superseded)
            if (s.entry == index)
                if (auto v = violation(writes_[s.write - 1].new_value,
                                       [&] {
                                           return fmt::format("possibly read by the walker: store #{} wrote it and was "
                                                              "overwritten before a DSB",
                                                              writes_[s.write - 1].seq);
                                       },
                                       std::nullopt))
                    return v;
    // Translations TLBs may still hold: no covering TLBI has completed since they went.
    const auto& stale_count = meta_.get(index).stale;
    if (std::any_of(stale_count.begin(), stale_count.end(), [](uint16_t n) { return n != 0; }))
        for (const Stale& s : stale_)
            if (s.entry == index && !s.awaiting_cse)
                if (auto v = violation(
                        s.value,
                        [&] {
                            return fmt::format("in CPU {}'s TLB{}: no TLBI covering it has completed since store #{} "
                                               "{} it",
                                               s.cpu, s.asid >= 0 ? fmt::format(" (tagged ASID {})", s.asid) : "",
                                               writes_[s.write].seq, s.superseded ? "wrote" : "replaced");
                        },
                        s.superseded ? std::nullopt : std::optional<PteWrite>(writes_[s.write])))
                    return v;
    // A contiguous range whose valid entries disagree lets a TLB amalgamate them wrongly.
    if (const int n = contiguous_entries(level)) {
        const size_t first = index - (index % pgtable::kEntriesPerTable) % static_cast<size_t>(n);
        std::array<uint64_t, 16> group{};
        for (int i = 0; i < n; ++i) group[static_cast<size_t>(i)] = pool_.cpu(first + static_cast<size_t>(i));
        if (auto why = contiguous_misprogrammed(std::span(group).first(static_cast<size_t>(n)), level, features_))
            return BreakBeforeMake{pool_.cpu(first), *why,
                                   fmt::format("the range starts at entry {:#x}", pool_.address_of(first).value),
                                   std::nullopt, true};
    }
    return std::nullopt;
}

void Arm64Model::settle_deferral(int cpu) {
    if (!cpus_[cpu].deferral_undecided) return;
    cpus_[cpu].deferral_undecided = false;
    ++metrics_.deferred;
}

void Arm64Model::forget_frame(PhysAddr frame) {
    const size_t first = pool_.index_of(frame);
    auto in_frame = [&](size_t e) { return e >= first && e < first + pgtable::kEntriesPerTable; };
    for (auto& c : cpus_) {
        std::erase_if(c.pending, in_frame);
        std::erase_if(c.awaiting_isb, in_frame);
        std::erase_if(c.superseded, [&](const Superseded& s) { return in_frame(s.entry); });
    }
    std::erase_if(stale_, [&](const Stale& s) { return in_frame(s.entry); });
    // A freed pgd's address space is gone: a tree built in the frame again is another one.
    for (auto& c : cpus_) std::erase_if(c.user_tags, [&](const UserTag& t) { return t.root == frame; });
    meta_.reset_frame(first / pgtable::kEntriesPerTable);
    pool_.clear_frame(frame);
}

void Arm64Model::action(int cpu, size_t index) {
    EntryMeta& m = meta_.at(index);
    PteWrite& w = writes_[m.pending_write[cpu] - 1];
    const uint64_t old_walker = pool_.walker(index);
    const uint64_t now = w.new_value;  // what this CPU stored, whatever another has stored since
    w.actioned_at = tick_;
    pool_.set_walker(index, now);

    int level = -1;
    VirtAddr va;
    uint64_t span = 0;
    const bool linked = pool_.entry_span(index, level, va, span);
    const Pte old_pte{old_walker}, new_pte{now};

    // The old translation, and any this CPU wrote and overwrote before this DSB, may sit in
    // every CPU's TLB until a TLBI issued from now on completes there.
    if (old_pte.valid() && old_walker != now) add_stale(index, old_walker, m.pending_write[cpu] - 1, false);
    std::erase_if(cpus_[cpu].superseded, [&](const Superseded& s) {
        if (s.entry != index) return false;
        const uint64_t v = writes_[s.write - 1].new_value;
        if (v != now && v != old_walker) add_stale(index, v, s.write - 1, true);
        return true;
    });
    if (!new_pte.valid()) {
        // Faulting on the entry is right now: no ISB is owed for an earlier invalid->valid change.
        for (uint32_t& owed : m.isb_write) owed = 0;
    } else if (!old_pte.valid() && !features_.ets2) {
        // Visible to walks now, but the storing CPU needs a context synchronization event
        // before it is sure to use it (FEAT_ETS2 orders the walk after the DSB instead).
        if (!m.isb_write[cpu]) cpus_[cpu].awaiting_isb.push_back(index);
        m.isb_write[cpu] = m.pending_write[cpu];
    }
    if (linked && level < 3 && new_pte.type(level) == DescType::Table && pool_.contains(new_pte.output_address())) {
        auto& child = pool_.frame(new_pte.output_address());
        child.level = level + 1;
        child.va_base = va;
        child.root = pool_.frame_of_entry(index).root;
    }
    m.pending_write[cpu] = 0;
}

void Arm64Model::add_stale(size_t index, uint64_t value, uint64_t write, bool superseded) {
    int level = -1;
    VirtAddr va;
    uint64_t span = 0;
    const bool linked = pool_.entry_span(index, level, va, span);
    EntryMeta& m = meta_.at(index);
    const bool leaf = linked && Pte{value}.is_leaf(level);
    auto record = [&](int c, int32_t asid) {
        const Stale fresh{c, index, va, level, leaf, value, tick_, write, superseded, false, asid};
        // A TLB holds a translation once: a record of the same one, made stale again, is replaced by the newer
        // (any TLBI that removes it removes the older), so flipping an entry does not grow the model.
        if (m.stale[c])
            for (Stale& s : stale_)
                if (s.cpu == c && s.entry == index && s.asid == asid && s.level == level &&
                    same_leaf_translation(s.value, value, level)) {
                    s = fresh;
                    return;
                }
        stale_.push_back(fresh);
        ++m.stale[c];
    };
    if (linked && !(va.value >> 63)) {
        // A user (TTBR0) tree's translations are tagged with the ASID it was
        // loaded with, and only in the TLBs of CPUs that loaded it.
        const PhysAddr root = pool_.frame_of_entry(index).root;
        for (int c = 0; c < static_cast<int>(cpus_.size()); ++c)
            for (const UserTag& t : cpus_[c].user_tags)
                if (t.root == root) record(c, t.asid);
        return;
    }
    for (int c = 0; c < static_cast<int>(cpus_.size()); ++c) record(c, -1);
}

void Arm64Model::link_user_tree(PhysAddr table, int level, VirtAddr va_base, PhysAddr root) {
    auto& f = pool_.frame(table);
    f.level = level;
    f.va_base = va_base;
    f.root = root;
    if (level == 3) return;
    const size_t first = pool_.index_of(table);
    for (size_t i = 0; i < pgtable::kEntriesPerTable; ++i) {
        const Pte e{pool_.walker(first + i)};
        if (e.type(level) == DescType::Table && pool_.contains(e.output_address()))
            link_user_tree(e.output_address(), level + 1, VirtAddr{va_base.value + i * pgtable::level_span(level)}, root);
    }
}

void Arm64Model::on_ttbr0(int cpu, std::optional<PhysAddr> root, uint16_t asid) {
    ++tick_;
    CpuState& c = cpus_[cpu];
    c.asid = asid;
    c.user_root = root.value_or(PhysAddr{});
    if (!root || !pool_.contains(*root)) return;
    if (pool_.frame(*root).level < 0) link_user_tree(*root, 0, VirtAddr{0}, *root);
    const auto it = std::find_if(c.user_tags.begin(), c.user_tags.end(),
                                 [&](const UserTag& t) { return t.asid == asid && t.root == *root; });
    if (it != c.user_tags.end()) it->since = tick_;
    else c.user_tags.push_back({asid, *root, tick_});
}

void Arm64Model::drop_user_tags(int cpu, const PendingTlbi& t) {
    CpuState& c = cpus_[cpu];
    std::erase_if(c.user_tags, [&](const UserTag& u) {
        const bool loaded = u.asid == c.asid && u.root == c.user_root;
        return !loaded && u.since < t.issued && (t.op.asid < 0 || u.asid == t.op.asid);
    });
}

void Arm64Model::on_context_sync(int cpu) {
    CpuState& c = cpus_[cpu];
    for (size_t e : c.awaiting_isb) meta_.at(e).isb_write[cpu] = 0;
    c.awaiting_isb.clear();
    c.unsynchronized_dsb_pc = 0;
    std::erase_if(stale_, [&](const Stale& s) {
        if (s.cpu != cpu || !s.awaiting_cse) return false;
        --meta_.at(s.entry).stale[s.cpu];
        return true;
    });
}

void Arm64Model::on_barrier(int cpu, Barrier b, uint64_t pc) {
    ++tick_;
    CpuState& c = cpus_[cpu];
    switch (b.kind) {
    case BarrierKind::Dmb: ++metrics_.dmb; return;
    case BarrierKind::Isb:
        ++metrics_.isb;
        on_context_sync(cpu);
        return;
    case BarrierKind::Dsb: break;
    }
    ++metrics_.dsb;
    if (b.orders_stores()) {
        c.deferral_undecided = false;  // the barrier came at once: not deferred
        for (size_t e : c.pending) action(cpu, e);
        c.pending.clear();
        if (!c.awaiting_isb.empty() && !c.unsynchronized_dsb_pc) c.unsynchronized_dsb_pc = pc;
    }
    complete_tlbis(cpu, b, pc);
}

void Arm64Model::complete_store(int cpu, size_t index) {
    ++tick_;
    if (meta_.at(index).pending_write[cpu]) {
        action(cpu, index);
        std::erase(cpus_[cpu].pending, index);
    }
    on_context_sync(cpu);
}

void Arm64Model::on_hypervisor_flush(int cpu, const Tlbi& t) {
    on_tlbi(cpu, t);
    ++tick_;
    complete_tlbis(cpu, Barrier{BarrierKind::Dsb, 0xf}, 0);
    on_context_sync(cpu);
}

void Arm64Model::complete_tlbis(int cpu, Barrier b, uint64_t pc) {
    CpuState& c = cpus_[cpu];
    std::erase_if(c.tlbis, [&](const PendingTlbi& t) {
        if (!b.completes_tlbi(t.op.broadcast)) return false;
        if (t.op.all)
            for (int o = 0; o < static_cast<int>(cpus_.size()); ++o)
                if (t.op.broadcast || o == cpu) drop_user_tags(o, t);
        std::erase_if(stale_, [&](Stale& s) {
            if (s.awaiting_cse || (!t.op.broadcast && s.cpu != cpu) || s.reached_walker >= t.issued) return false;
            if (!tlbi_covers(t.op, s)) {
                if (!s.missed && tlbi_covers(t.op, s, false)) {
                    s.missed = true;
                    s.missed_ttl = t.op.ttl;
                    s.missed_va = t.op.va.value;
                }
                return false;
            }
            // Complete for every CPU; the one that waited for it may still use the old
            // translation for instructions already in flight, until a context synchronization event.
            if (s.cpu == cpu && !features_.ets2) {
                s.awaiting_cse = true;
                if (!c.unsynchronized_dsb_pc) c.unsynchronized_dsb_pc = pc;
                return false;
            }
            --meta_.at(s.entry).stale[s.cpu];
            return true;
        });
        return true;
    });
}

bool Arm64Model::tlbi_covers(const Tlbi& op, const Stale& s, bool hinted) const {
    // By ASID: another address space's translations stay, global ones go only by VA.
    if (op.asid >= 0 && s.asid >= 0 && s.asid != op.asid) return false;
    if (op.all) return op.asid < 0 || s.asid >= 0;
    if (hinted && op.wrong_granule) return false;
    if (op.last_level && !s.leaf) return false;
    // A wrong level hint leaves the leaf entry in place; walk-cache entries are not leaves.
    if (hinted && op.level_hint >= 0 && s.leaf && s.level != op.level_hint) return false;
    if (s.level < 0) return false;  // an entry the walker never linked: only a full flush is sure to cover it
    const uint64_t begin = op.va.page_base(), end = begin + op.pages * pgtable::kPageSize;
    return begin < s.va.value + s.span() && s.va.value < end;
}

void Arm64Model::on_tlbi(int cpu, const Tlbi& t) {
    ++tick_;
    ++metrics_.tlbi;
    cpus_[cpu].tlbis.push_back({t, tick_});
}

uint64_t Arm64Model::walker_answer(int cpu, size_t index) {
    const auto& frame = pool_.frame_of_entry(index);
    if (frame.level < 0) return 0;
    bool agreed = false;
    const auto shown = shown_value(cpu, index, agreed);
    if (!shown) return 0;
    if (agreed && Pte{*shown}.valid()) shown_by_agreement_ = true;
    const uint64_t v = *shown;
    const Pte pte{v};
    if (pte.is_leaf(frame.level)) {
        // Unicorn would not fault on memory the machine lacks: the host names it (Machine::fault()).
        const uint64_t oa = pte.output_address().value, span = pgtable::level_span(frame.level);
        return oa >= LMEMU_PHYS_OFFSET && oa + span <= LMEMU_PHYS_END ? v : 0;
    }
    if (pte.type(frame.level) != DescType::Table) return v;
    // Walks must stay on the alias so the host keeps answering them.
    if (!pool_.contains(pte.output_address())) return 0;
    const uint64_t alias = pte.output_address().value - pool_.base().value + LMEMU_WALK_ALIAS;
    return (v & ~pgtable::field::kOutputAddress) | alias;
}

std::string Arm64Model::stale_why(const Stale& s) const {
    const std::string translation =
        pgtable::describe(Pte{s.value}, s.level >= 0 ? s.level : 3) +
        (s.asid >= 0 ? fmt::format(" (tagged ASID {})", s.asid) : "");
    if (s.awaiting_cse)
        return fmt::format("the access may use the TLB entry {}: a TLBI covering it has completed (DSB), but no ISB (or "
                           "exception entry or return) has followed on this CPU, which may still use it",
                           translation);
    // A TLBI by VA that would have covered it but for its hint: the usual way to get one wrong.
    const std::string missed =
        s.missed ? fmt::format("; a TLBI by VA {:#x} did complete, but its operand's {} {}, so the architecture "
                               "need not invalidate this level-{} entry",
                               s.missed_va, describe_ttl(s.missed_ttl),
                               (s.missed_ttl >> 2) > 1 ? "names another granule than the 4 KiB one in use"
                                                       : "hints another level",
                               s.level)
                 : "";
    if (s.superseded)
        return fmt::format("the access may use the TLB entry {}: store #{} wrote it and a later store replaced it "
                           "before any DSB, so the walker may have read and cached it, and no TLBI covering it has "
                           "completed on this CPU since the replacement reached the table walker{}",
                           translation, writes_[s.write].seq, missed);
    return fmt::format("the access may use the TLB entry {} for a translation that was changed or removed: no TLBI "
                       "covering it has completed on this CPU since the change reached the table walker{}",
                       translation, missed);
}

std::string describe_ttl(uint8_t ttl) {
    static constexpr const char* kGranule[] = {"no granule (no hint)", "4 KiB granule", "16 KiB granule", "64 KiB granule"};
    return fmt::format("TTL {:#06b}: {}, level {}", ttl, kGranule[(ttl >> 2) & 3], ttl & 3);
}

FaultCause Arm64Model::classify(int cpu, PhysAddr root, VirtAddr va, Access access) const {
    FaultCause c;
    c.cpu_walk = pgtable::walk(root, va, [&](PhysAddr e) { return pool_.cpu_entry(e); });
    const auto& w = c.cpu_walk;

    // 1. A store on the path that the walker has not seen yet (this CPU's first, then any other's).
    for (int i = 0; i < w.depth; ++i) {
        const EntryMeta& m = meta_.get(pool_.index_of(w.steps[i].entry));
        uint32_t pending = m.pending_write[cpu];
        for (int o = 0; !pending && o < static_cast<int>(cpus_.size()); ++o) pending = m.pending_write[o];
        if (!pending) continue;
        // The walker's value and the stored one give this access the same outcome: not this store.
        const size_t e = pool_.index_of(w.steps[i].entry);
        if (same_outcome(page_of(pool_.walker(e), w.steps[i].level, va),
                         page_of(pool_.cpu(e), w.steps[i].level, va), access))
            continue;
        c.write = writes_[pending - 1];
        // A store buffered on another CPU: only a DSB there publishes it.
        const std::string no_dsb = c.write->cpu == cpu ? std::string("no DSB since the store")
                                                       : fmt::format("no DSB on CPU {}, which made the store", c.write->cpu);
        if (w.mapped()) {
            c.hazard = Hazard::UnactionedMapping;
            c.why = fmt::format("the access translates through a page-table entry whose new value has not been made "
                                "visible to the table walker ({})",
                                no_dsb);
        } else {
            c.hazard = Hazard::StaleTlb;
            c.why = fmt::format("the access uses a translation the CPU has already removed; the removal has not even "
                                "reached the table walker ({}), let alone been invalidated",
                                no_dsb);
        }
        return c;
    }
    // 2. A translation the TLB may still hold: it would let the access succeed, or use the wrong page.
    for (const Stale& s : stale_) {
        if (s.cpu != cpu || !in_regime(cpu, s)) continue;
        const bool covers = s.level >= 0 ? (va.value >= s.va.value && va.value - s.va.value < s.span())
                                   : std::any_of(w.steps.begin(), w.steps.begin() + w.depth, [&](const auto& st) {
                                         return pool_.index_of(st.entry) == s.entry;
                                     });
        if (!covers) continue;
        // A TLB that gives this access the translation the tables give now is not told apart.
        if (s.leaf && same_outcome(leaf_part(s.value, va.page_base() - s.va.page_base(), 3),
                                   w.mapped() ? current_leaf(w, va) : 0, access))
            continue;
        c.hazard = Hazard::StaleTlb;
        c.write = writes_[s.write];
        c.why = stale_why(s);
        if (s.awaiting_cse) {
            c.unsynchronized_dsb_pc = cpus_[cpu].unsynchronized_dsb_pc;
            c.context_sync_missing = true;
        }
        return c;
    }
    // 3. Visible to the walker, but the storing CPU has not synchronized its context since.
    for (int i = 0; i < w.depth; ++i) {
        const size_t e = pool_.index_of(w.steps[i].entry);
        const EntryMeta& m = meta_.get(e);
        if (!m.isb_write[cpu]) continue;
        c.hazard = Hazard::UnactionedMapping;
        c.write = writes_[m.isb_write[cpu] - 1];
        c.why = "the new entry reached the table walker at a DSB, but no ISB (or exception entry or return) followed "
                "on this CPU, which may still fault on it";
        c.linux_recovers = true;
        c.unsynchronized_dsb_pc = cpus_[cpu].unsynchronized_dsb_pc;
        c.context_sync_missing = true;
        return c;
    }
    // 4. The views agree: an ordinary fault.
    c.hazard = Hazard::KernelFault;
    if (w.mapped()) {
        const uint64_t page = current_leaf(w, va);
        c.why = fmt::format("{} fault at level {}: {}", page & pgtable::field::kAF ? "permission" : "access flag",
                            w.level(),
                            !(page & pgtable::field::kAF)                  ? "the access flag is clear"
                            : access == Access::Write && !allows(page, access) ? "write to a read-only mapping"
                            : access == Access::Fetch && !allows(page, access) ? "instruction fetch from a non-executable mapping"
                                                                               : "access not permitted");
    } else if (w.outcome == pgtable::WalkOutcome::BadDescriptor) {
        c.why = "the walk met a reserved descriptor or a table outside the page-table pool";
    } else {
        c.why = fmt::format("translation fault at level {}: the address is not mapped", w.level());
    }
    return c;
}

}  // namespace lmemu::lazymmu
