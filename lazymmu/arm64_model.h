// The arm64 model of when a page-table store takes effect (DESIGN.md §1).
//
// Per page-table entry the pool holds the CPU view (what the guest stored)
// and the walker view (what a table walk may see). This model moves entries
// from one to the other at the points the architecture says:
//   - a store is in the CPU view at once, and in the walker view only after a
//     later DSB that orders stores (ish, ishst, sy, st, ...; never ld, never DMB);
//   - after an invalid->valid change reaches the walker, the storing CPU may
//     still take a spurious fault until a context synchronization event (ISB,
//     exception entry or return), unless it has FEAT_ETS2;
//   - a TLB may hold every translation the walker could have seen since the
//     last invalidation covering it completed: the old value of a changed or
//     removed entry, and any value a later store overwrote before a DSB (the
//     walker may have read it meanwhile). Such a translation stays usable
//     until a TLBI covering it completes (a later full DSB) *and* that TLBI
//     was issued after the change reached the walker; on the CPU that
//     completed it, until the next context synchronization event as well,
//     unless it has FEAT_ETS2;
//   - a store that turns a live translation into another valid one that
//     differs in more than permissions needs break-before-make
//     (lazymmu/break_before_make.h).
// From this it answers the walks Unicorn makes (only entries on which every
// view agrees are shown valid, so any access whose outcome the views would
// decide differently faults into the host) and classifies those faults.
//
// Verdicts come from this bookkeeping alone, never from Unicorn's own TLB.
//
// Per CPU: its unactioned stores (its store buffer, as far as walks are
// concerned), the entries it must still ISB, the TLBIs it has issued, the
// stale translations its TLB may hold, and the user (TTBR0) trees it has
// loaded with their ASIDs: a user translation is cached tagged with the
// ASID, only by CPUs that loaded its tree, used only while that ASID is
// loaded, and removed only by TLBIs for that ASID or for all. The walker
// view is shared.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "lazymmu/break_before_make.h"
#include "lazymmu/hazard.h"
#include "pgtable/frame_array.h"
#include "pgtable/table_pool.h"
#include "pgtable/walker.h"

namespace lmemu::lazymmu {

using pgtable::PhysAddr;
using pgtable::VirtAddr;

// Where something happened in the guest: exact PC and a frame-pointer backtrace.
struct Origin {
    uint64_t pc = 0;
    std::vector<uint64_t> backtrace;  // return addresses, innermost first
};

inline constexpr int kMaxCpus = 4;

struct PteWrite {
    uint64_t seq = 0;  // 1-based store number
    int cpu = 0;       // the storing CPU
    PhysAddr entry;
    int level = -1;  // -1 when the table was not linked into the walker view
    VirtAddr va;     // first VA the entry translates
    uint64_t old_value = 0, new_value = 0;
    Origin origin;
    LazyState lazy;  // at the time of the store
    uint64_t actioned_at = 0;  // tick of the DSB that made it visible, 0 if never
};

// DSB/DMB option field (CRm), Arm ARM C6.2.
enum class BarrierKind { Dsb, Dmb, Isb };
struct Barrier {
    BarrierKind kind = BarrierKind::Dsb;
    uint8_t option = 0xf;  // CRm: 0xf sy, 0xe st, 0xd ld, 0xb ish, 0xa ishst, 0x9 ishld, ...

    bool orders_stores() const { return kind == BarrierKind::Dsb && (option & 3) != 1; }
    // Waits for earlier TLB maintenance: full forms only (not st/ld).
    bool completes_tlbi(bool broadcast) const {
        if (kind != BarrierKind::Dsb || (option & 3) != 3) return false;
        const uint8_t domain = option >> 2;  // 0 osh, 1 nsh, 2 ish, 3 sy
        return !broadcast || domain != 1;
    }
};

struct Tlbi {
    bool all = false;         // VMALLE1* or ASIDE1*, else by VA
    // The ASID the operation names (VAE1, VALE1, ASIDE1 and their range and
    // IS forms), masked to the ASID width in use; -1 for every ASID (VMALLE1, VAAE1, VAALE1).
    int32_t asid = -1;
    bool broadcast = false;   // the ...IS forms
    bool last_level = false;  // VALE1/VAALE1: leaf entries only
    VirtAddr va;
    uint64_t pages = 1;  // range forms (RVA*) cover more than one page
    // The TTL hint: only leaf entries at this level are covered (-1: no hint).
    int level_hint = -1;
    // A TTL or TG naming another granule than the 4 KiB one in use: the
    // architecture requires nothing to be invalidated.
    bool wrong_granule = false;
    // The operand's hint as written, for reports: TTL[3:2] (TG of a range
    // form) the granule (0 none, 1 4 KiB, 2 16 KiB, 3 64 KiB), TTL[1:0] the level.
    uint8_t ttl = 0;
};
// "TTL 0b1111: 64 KiB granule, level 3".
std::string describe_ttl(uint8_t ttl);

struct Metrics {
    uint64_t pte_writes = 0;
    uint64_t dsb = 0, isb = 0, dmb = 0, tlbi = 0;
    uint64_t deferred = 0;       // valid kernel PTE writes made with TIF_LAZY_MMU set whose barriers waited
    uint64_t lost_batching = 0;  // ... made in an open lazy section whose flag an inner leave cleared
};

// What the faulting access was: what a translation must allow for it.
enum class Access { Read, Write, Fetch };

// What a fault Unicorn raised means under the model.
struct FaultCause {
    Hazard hazard = Hazard::KernelFault;
    std::optional<PteWrite> write;  // the store whose effect the access did not see (or saw too long)
    pgtable::Walk cpu_walk;         // the walk through what the CPU wrote
    std::string why;                // one sentence
    // A spurious translation fault (the entry is visible to the walker, only
    // the context synchronization is missing): Linux's
    // is_spurious_el1_translation_fault() finds it valid and retries.
    bool linux_recovers = false;
    // Where the DSB was after which a context synchronization event is still
    // missing, when that is what the access did not get (0 otherwise).
    uint64_t unsynchronized_dsb_pc = 0;
    // The hazard is only that: a context synchronization event (an ISB, or
    // any exception taken or returned from) would have removed it.
    bool context_sync_missing = false;
    // Set when `write` is an update the arch model still holds back from the
    // table (xen-pv's multicall batch, s390's ipte_batch): where it is held.
    std::string held;
};

// How a page-table store counts in the deferred and lost-batching metrics.
enum class Deferral {
    Arm64Rule,  // arm64 v6.16: a valid kernel leaf, whose barriers wait while TIF_LAZY_MMU is set
    Deferred,   // the arch model batched what the store needs (xen-pv: the update; ppc64-hash, sparc64: the
                // invalidation; s390: the store itself, made from the CPU's cache at leave)
    Immediate,  // it could have been batched and was not: lost batching inside an open section
    None,       // nothing to batch
};

// pte_valid_not_user() at a leaf: the kernel entries lazy MMU mode batches.
bool valid_kernel_leaf(uint64_t v, int level);

// A store that changed a live translation without break-before-make.
struct BreakBeforeMake {
    uint64_t live_value = 0;           // the translation that may still be in use
    std::string rule;                  // what changed that needs the break (or the contiguous-range rule)
    std::string where;                 // where the live translation still is
    std::optional<PteWrite> break_write;  // the store that made the entry invalid, if one did
    bool contiguous = false;           // a misprogrammed contiguous range rather than a missing break
};

class Arm64Model {
public:
    Arm64Model(pgtable::TablePool& pool, int cpus, ArchFeatures features = {});
    // A snapshot of the model's state; restore() puts it back, keeping this
    // model's pool (restore the pool itself separately).
    Arm64Model(const Arm64Model&) = default;
    void restore(const Arm64Model& snapshot);

    // CPU `cpu` stored to entry `index`, which held `old_value` (the new value
    // is in the pool). Says so if the store broke break-before-make.
    // `deferral`: how the store counts in the deferred and lost-batching metrics.
    std::optional<BreakBeforeMake> on_store(int cpu, size_t index, uint64_t old_value, Origin origin,
                                            const LazyState& lazy, Deferral deferral = Deferral::Arm64Rule);
    // The store on_store() was told of for `cpu` reached the walker with no
    // barrier, and `cpu` is synchronized with it: the hypervisor made it and
    // returned (xen-pv: a DSB and an exception return), or the arch's walker
    // reads the tables as stored (ppc64-hash's hash fault, sparc64's TSB miss,
    // s390's walker after the IPTE).
    void complete_store(int cpu, size_t index);
    // The hypervisor flushed `t` for `cpu`: issued, waited for and, with the
    // exception return, synchronized before the guest runs on.
    void on_hypervisor_flush(int cpu, const Tlbi& t);
    // Whether Unicorn's TLBs must be emptied before entry `index` changes:
    // some CPU's walks are shown it valid, or some entry was shown because
    // every translation it may give agreed, which a store here can undo.
    // The caller flushes when told to.
    bool flush_before_store(size_t index);
    // A page-table frame was (re)allocated and zeroed: forget what its entries
    // were and, if it was a user root, which TLBs loaded that tree.
    void forget_frame(PhysAddr frame);
    void on_barrier(int cpu, Barrier b, uint64_t pc = 0);
    void on_tlbi(int cpu, const Tlbi& t);
    // CPU `cpu` loaded TTBR0_EL1 with the user tree at `root` (nullopt: none,
    // user walks fault) and `asid`. From then on its TLB may hold that tree's
    // translations tagged with the ASID, until a TLBI VMALLE1 or ASIDE1 issued
    // after another root replaced it completes: an entry of the tree that
    // changes leaves a stale record tagged so on that CPU.
    void on_ttbr0(int cpu, std::optional<PhysAddr> root, uint16_t asid);
    // An ISB, or an exception taken or returned from, on `cpu`.
    void on_context_sync(int cpu);

    // The value CPU `cpu`'s walker gets for entry `index` (read via the walk alias).
    uint64_t walker_answer(int cpu, size_t index);

    FaultCause classify(int cpu, PhysAddr root, VirtAddr va, Access access) const;

    // Something other than a barrier happened on `cpu` (a hypercall, the end
    // of the run): a write in interrupt context still waiting for its barrier
    // did not get it at once, so it counts as deferred.
    void settle_deferral(int cpu);

    int pending_writes(int cpu) const { return static_cast<int>(cpus_[cpu].pending.size()); }
    const Metrics& metrics() const { return metrics_; }
    Metrics& metrics() { return metrics_; }
    const std::vector<PteWrite>& writes() const { return writes_; }
    const ArchFeatures& features() const { return features_; }
    // Translations the model tracks that some TLB may hold but the entry no
    // longer gives (stale, or overwritten before a DSB): what every store
    // costs is proportional to it, so flipping one entry must not grow it.
    size_t tlb_records() const {
        size_t n = stale_.size();
        for (const CpuState& c : cpus_) n += c.superseded.size();
        return n;
    }

    // Everything later events depend on, for state hashing; the pool is
    // hashed by its owner. writes() below `writes_from` are taken to be the
    // same in every state compared (the booted ones).
    template <class Hasher>
    void hash_state(Hasher& h, size_t writes_from) const {
        meta_.hash_state(h);
        for (const CpuState& c : cpus_) {
            h.add(c.pending);
            h.add(c.superseded.size());
            for (const Superseded& s : c.superseded) {
                h.add(s.entry);
                h.add(s.write);
            }
            h.add(c.awaiting_isb);
            h.add(c.tlbis.size());
            for (const PendingTlbi& t : c.tlbis) {
                hash_tlbi(h, t.op);
                h.add(t.issued);
            }
            h.add(c.deferral_undecided);
            h.add(c.unsynchronized_dsb_pc);
            h.add(c.asid);
            h.add(c.user_root.value);
            h.add(c.user_tags.size());
            for (const UserTag& t : c.user_tags) {
                h.add(t.asid);
                h.add(t.root.value);
                h.add(t.since);
            }
        }
        h.add(stale_.size());
        for (const Stale& s : stale_) {
            h.add(s.cpu);
            h.add(s.entry);
            h.add(s.va.value);
            h.add(s.level);
            h.add(s.leaf);
            h.add(s.value);
            h.add(s.reached_walker);
            h.add(s.write);
            h.add(s.superseded);
            h.add(s.awaiting_cse);
            h.add(s.asid);
            h.add(s.missed);
            h.add(s.missed_ttl);
            h.add(s.missed_va);
        }
        h.add(writes_.size());
        for (size_t i = std::min(writes_from, writes_.size()); i < writes_.size(); ++i) {
            const PteWrite& w = writes_[i];
            h.add(w.cpu);
            h.add(w.entry.value);
            h.add(w.level);
            h.add(w.va.value);
            h.add(w.old_value);
            h.add(w.new_value);
            h.add(w.origin.pc);
            h.add(w.lazy.thread_flags);
            h.add(w.lazy.depth);
            h.add(w.lazy.paused);
            h.add(w.lazy.pending_writes);
            h.add(w.lazy.preempt_count);
            h.add(w.actioned_at);
        }
        h.add(tick_);
        for (const uint64_t m : {metrics_.pte_writes, metrics_.dsb, metrics_.isb, metrics_.dmb, metrics_.tlbi,
                                 metrics_.deferred, metrics_.lost_batching})
            h.add(m);
        h.add(shown_by_agreement_);
    }

private:
    template <class Hasher>
    static void hash_tlbi(Hasher& h, const Tlbi& t) {
        h.add(t.all);
        h.add(t.broadcast);
        h.add(t.last_level);
        h.add(t.va.value);
        h.add(t.pages);
        h.add(t.level_hint);
        h.add(t.wrong_granule);
        h.add(t.asid);
        h.add(t.ttl);
    }

    // A translation a CPU's TLB may hold although the entry no longer gives it.
    struct Stale {
        int cpu;  // whose TLB may hold it
        size_t entry;
        VirtAddr va;
        int level;                // -1: the table was not linked in
        bool leaf;
        uint64_t value;           // the translation
        uint64_t reached_walker;  // tick from which the walker can no longer read it
        uint64_t write;           // index into writes_: the store that replaced it (or, superseded, wrote it)
        bool superseded;          // written and overwritten before any DSB
        bool awaiting_cse = false;  // invalidated; this CPU needs a context synchronization event still
        int32_t asid = -1;  // a user translation's ASID tag; -1: global (kernel entries), matches any
        // A TLBI that completed after the change and covered the VA, but whose
        // TTL hint or granule let it leave this entry: its VA and hint, for the report.
        bool missed = false;
        uint8_t missed_ttl = 0;
        uint64_t missed_va = 0;
        uint64_t span() const { return level >= 0 ? pgtable::level_span(level) : 0; }  // VA bytes it translates
    };
    struct PendingTlbi {
        Tlbi op;
        uint64_t issued;  // tick
    };
    // Per CPU, writes_ index + 1 (0: none) of its latest unactioned store to
    // the entry and of its store still awaiting an ISB (invalid->valid), and
    // how many stale records its TLB has for the entry.
    struct EntryMeta {
        std::array<uint32_t, kMaxCpus> pending_write{};
        std::array<uint32_t, kMaxCpus> isb_write{};
        std::array<uint16_t, kMaxCpus> stale{};
    };
    struct Superseded {
        size_t entry;
        uint32_t write;  // writes_ index + 1 of the overwritten store
    };
    // A user tree whose translations a CPU's TLB may hold, tagged with an ASID.
    struct UserTag {
        uint16_t asid;
        PhysAddr root;
        uint64_t since;  // tick of its latest load: a TLBI issued before it does not remove it
    };
    struct CpuState {
        std::vector<size_t> pending;  // entries with pending_write, in store order
        // Valid values stored and overwritten by this CPU before a DSB: the
        // walker may have read them, so TLBs may hold them once the entry is actioned.
        std::vector<Superseded> superseded;
        std::vector<size_t> awaiting_isb;
        std::vector<PendingTlbi> tlbis;
        // A valid kernel write made in interrupt context while the interrupted
        // task had TIF_LAZY_MMU set: deferred or not depends on whether a DSB
        // comes next (v6.16 emits at once in interrupt context; b81c688426a9's
        // "before" did not). Decided by the next event on this CPU.
        bool deferral_undecided = false;
        // The first DSB since the last context synchronization event that left
        // this CPU owing one (an ISB for a new entry or a completed TLBI).
        uint64_t unsynchronized_dsb_pc = 0;
        // TTBR0_EL1: the ASID user walks and accesses are tagged with now, the
        // root loaded (0: none), and every tree the TLB may hold translations of.
        uint16_t asid = 0;
        PhysAddr user_root;
        std::vector<UserTag> user_tags;
    };

    void action(int cpu, size_t index);
    // The TLBIs `cpu` issued that DSB `b` waits for complete.
    void complete_tlbis(int cpu, Barrier b, uint64_t pc);
    void add_stale(size_t index, uint64_t value, uint64_t write, bool superseded);
    // With `hinted` false, as if the operand gave no TTL hint and the right granule.
    bool tlbi_covers(const Tlbi& op, const Stale& s, bool hinted = true) const;
    // A TLBI VMALLE1 or ASIDE1 completed on `cpu`: trees it no longer has loaded leave its TLB.
    void drop_user_tags(int cpu, const PendingTlbi& t);
    // Whether CPU `cpu`'s accesses can use the record now: a global one, or one tagged with the ASID loaded.
    bool in_regime(int cpu, const Stale& s) const { return s.asid < 0 || s.asid == cpus_[cpu].asid; }
    // Records the level, VA range and root of the user tree under `table` (a walker-view table at `level`).
    void link_user_tree(PhysAddr table, int level, VirtAddr va_base, PhysAddr root);
    // The value CPU `cpu`'s walks are shown for entry `index`, or nullopt to
    // make them fault into the host. An entry whose translations may differ
    // (a store not yet actioned, a TLB record) is still shown if they all
    // agree: no access can tell which one it got. `by_agreement` says so.
    std::optional<uint64_t> shown_value(int cpu, size_t index, bool& by_agreement) const;
    // Whether descriptors `a` and `b` at `level` translate every VA they
    // cover to the same output address with the same attributes, whatever
    // their size (a block and a table of pages that map it alike agree).
    bool same_translations(uint64_t a, uint64_t b, int level) const;
    // Whether `a` and `b` are the same value, or leaves at `level` that
    // translate alike (they differ only in bits the walker ignores): one TLB
    // record stands for both. Unlike same_translations(), never reads a table.
    static bool same_leaf_translation(uint64_t a, uint64_t b, int level);
    // What walks may be shown for `a` and `b` at `level` when no access can
    // tell them apart but by whether it is allowed: `a` if they translate
    // alike; if they map the same memory and differ only in permissions or
    // AF, what both allow (an access both allow is right either way, one
    // that only some allow faults into the host, which judges it); else nullopt.
    std::optional<uint64_t> agreeing(uint64_t a, uint64_t b, int level) const;
    // The page descriptor `v` (at `level`) and the entries below it give `va`, 0 if none.
    uint64_t page_of(uint64_t v, int level, VirtAddr va) const;
    // Entry `i` one level below `v`: read from its table, or the part of a
    // block it covers; with the table's hierarchical restrictions applied.
    uint64_t child_entry(uint64_t v, int level, unsigned i) const;

    std::optional<BreakBeforeMake> check_break_before_make(size_t index, int level) const;
    std::string stale_why(const Stale& s) const;

    pgtable::TablePool& pool_;
    ArchFeatures features_;
    pgtable::FrameArray<EntryMeta> meta_;
    std::vector<CpuState> cpus_;
    std::vector<Stale> stale_;
    std::vector<PteWrite> writes_;
    uint64_t tick_ = 1;
    Metrics metrics_;
    bool shown_by_agreement_ = false;  // since the last flush_before_store() that said to flush
};

}  // namespace lmemu::lazymmu
