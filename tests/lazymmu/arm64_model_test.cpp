#include <doctest/doctest.h>

#include "lazymmu/arm64_model.h"

using namespace lmemu;
using namespace lmemu::lazymmu;
using pgtable::Pte;

namespace {

constexpr uint64_t kBase = 0x40000000;
constexpr uint64_t kVa = 0xffff800100000000ULL;  // what entry 0 of the PTE table maps
constexpr Barrier kDsbIshst{BarrierKind::Dsb, 0xa};
constexpr Barrier kDsbIsh{BarrierKind::Dsb, 0xb};
constexpr Barrier kDsbIshld{BarrierKind::Dsb, 0x9};
constexpr Barrier kDmbIsh{BarrierKind::Dmb, 0xb};
constexpr Barrier kIsb{BarrierKind::Isb, 0xf};

// pgd -> pud -> pmd -> pte in frames 0..3 of a four-frame pool, all linked
// and visible: the state a host-built boot table is in.
struct Tables {
    pgtable::TablePool pool{PhysAddr{kBase}, 4 * pgtable::kPageSize};
    Arm64Model model;

    explicit Tables(ArchFeatures features = {}) : model{pool, 2, features} {
        const VirtAddr va{kVa};
        for (int level = 0; level < 4; ++level) {
            auto& f = pool.frame(PhysAddr{kBase + level * pgtable::kPageSize});
            f.level = level;
            f.va_base = VirtAddr{level == 0 ? 0xffff000000000000ULL : kVa & ~(pgtable::level_span(level - 1) - 1)};
            if (level < 3)
                pool.set_both(pool.index_of(PhysAddr{kBase + level * pgtable::kPageSize + 8 * va.index(level)}),
                              Pte::table(PhysAddr{kBase + (level + 1) * pgtable::kPageSize}).raw());
        }
    }
    size_t pte_index(unsigned n = 0) const { return pool.index_of(PhysAddr{kBase + 3 * pgtable::kPageSize + 8 * n}); }
    // The pmd entry that points at the PTE table.
    size_t pmd_index() const { return pool.index_of(PhysAddr{kBase + 2 * pgtable::kPageSize + 8 * VirtAddr{kVa}.index(2)}); }
    std::optional<BreakBeforeMake> store(size_t index, uint64_t value, bool lazy = false, int depth = 0, int cpu = 0) {
        const uint64_t old = pool.cpu(index);
        pool.set_cpu(index, value);
        LazyState s;
        s.thread_flags = lazy ? (uint64_t{1} << kTifLazyMmu) : 0;
        s.depth = depth;
        return model.on_store(cpu, index, old, {}, s);
    }
    FaultCause fault(uint64_t va, int cpu = 0, Access access = Access::Read) const {
        return model.classify(cpu, PhysAddr{kBase}, VirtAddr{va}, access);
    }
    // The sequence Linux's __set_pte() emits outside lazy mode: store, dsb ishst, isb.
    void store_and_sync(size_t index, uint64_t value, int cpu = 0);
};

void Tables::store_and_sync(size_t index, uint64_t value, int cpu) {
    store(index, value, false, 0, cpu);
    model.on_barrier(cpu, kDsbIshst);
    model.on_barrier(cpu, kIsb);
}

const uint64_t kValid = Pte::page(PhysAddr{0x40a00000}, pgtable::prot::kKernel).raw();
const uint64_t kOther = Pte::page(PhysAddr{0x40b00000}, pgtable::prot::kKernel).raw();

}  // namespace

TEST_CASE("arm64 model: a store reaches the walker only at a DSB that orders stores") {
    Tables t;
    t.store(t.pte_index(), kValid);
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);  // hidden from walks
    CHECK(t.fault(kVa).hazard == Hazard::UnactionedMapping);

    t.model.on_barrier(0, kDmbIsh);  // a DMB never does
    t.model.on_barrier(0, kDsbIshld);  // nor a load-only DSB
    CHECK(t.fault(kVa).hazard == Hazard::UnactionedMapping);

    t.model.on_barrier(0, kDsbIshst);
    CHECK(t.pool.walker(t.pte_index()) == kValid);
    // invalid -> valid: the storing CPU still needs an ISB.
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
    CHECK(t.fault(kVa).hazard == Hazard::UnactionedMapping);

    t.model.on_barrier(0, kIsb);
    CHECK(t.model.walker_answer(0, t.pte_index()) == kValid);
    CHECK(t.model.pending_writes(0) == 0);
}

TEST_CASE("arm64 model: an ISB before the DSB does not complete the update") {
    Tables t;
    t.store(t.pte_index(), kValid);
    t.model.on_barrier(0, kIsb);
    t.model.on_barrier(0, kDsbIshst);
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
    t.model.on_barrier(0, kIsb);
    CHECK(t.model.walker_answer(0, t.pte_index()) == kValid);
}

TEST_CASE("arm64 model: a removed translation is stale until a later TLBI completes") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);

    t.store(t.pte_index(), 0);
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);  // not even visible yet
    t.model.on_barrier(0, kDsbIshst);
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);  // visible, not invalidated

    t.model.on_tlbi(0, {.broadcast = true, .last_level = true, .va = VirtAddr{kVa}});
    t.model.on_barrier(0, kDsbIshst);  // an st-only DSB does not wait for the TLBI
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);
    t.model.on_barrier(0, kDsbIsh);
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);  // complete, but not yet in effect here: no ISB
    CHECK(t.fault(kVa, 1).hazard == Hazard::KernelFault);  // on another CPU, completion is enough
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a TLBI issued before the change reached the walker does not count") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);

    t.store(t.pte_index(), 0);
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.model.on_barrier(0, kDsbIsh);  // makes the clear visible *and* completes the early TLBI
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: TLBI by VA covers only its page; local TLBIs need only a local DSB") {
    Tables t;
    for (unsigned i = 0; i < 2; ++i) t.store_and_sync(t.pte_index(i), kValid + i * 0x1000);
    for (unsigned i = 0; i < 2; ++i) t.store(t.pte_index(i), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.va = VirtAddr{kVa}});  // TLBI VAE1: this CPU only
    t.model.on_barrier(0, Barrier{BarrierKind::Dsb, 0x7});  // dsb nsh
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
    CHECK(t.fault(kVa + 0x1000).hazard == Hazard::StaleTlb);
}

TEST_CASE("arm64 model: a changed output address is stale too, and walks are hidden meanwhile") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store_and_sync(t.pte_index(), kOther);
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    REQUIRE(c.write);
    CHECK(c.write->old_value == kValid);
    CHECK(c.write->new_value == kOther);
}

TEST_CASE("arm64 model: table descriptors are shown through the walk alias") {
    Tables t;
    const size_t pgd_entry = t.pool.index_of(PhysAddr{kBase + 8 * VirtAddr{kVa}.index(0)});
    CHECK(t.model.walker_answer(0, pgd_entry) == Pte::table(PhysAddr{0x100001000}).raw());
}

TEST_CASE("arm64 model: metrics count deferred and lost-batching writes") {
    Tables t;
    t.store(t.pte_index(0), kValid, /*lazy=*/true, /*depth=*/1);   // deferred
    t.store(t.pte_index(1), kValid, /*lazy=*/false, /*depth=*/1);  // flag cleared by an inner leave: lost
    t.store(t.pte_index(2), kValid, /*lazy=*/false, /*depth=*/0);  // outside lazy mode: neither
    t.store(t.pte_index(3), 0, /*lazy=*/true, /*depth=*/1);        // invalid: arm64 defers nothing
    CHECK(t.model.metrics().pte_writes == 4);
    CHECK(t.model.metrics().deferred == 1);
    CHECK(t.model.metrics().lost_batching == 1);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_barrier(0, kIsb);
    CHECK(t.model.metrics().dsb == 1);
    CHECK(t.model.metrics().isb == 1);
}

TEST_CASE("arm64 model: another CPU's unactioned store is not visible to this CPU's walks") {
    Tables t;
    t.store(t.pte_index(), kValid, false, 0, /*cpu=*/1);
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
    CHECK(t.fault(kVa, 0).hazard == Hazard::UnactionedMapping);
    CHECK(t.model.pending_writes(1) == 1);
    CHECK(t.model.pending_writes(0) == 0);
    t.model.on_barrier(0, kDsbIshst);  // CPU0's barrier does not drain CPU1's stores
    CHECK(t.fault(kVa, 0).hazard == Hazard::UnactionedMapping);
    CHECK(t.fault(kVa, 0).why.find("no DSB on CPU 1") != std::string::npos);
    t.model.on_barrier(1, kDsbIshst);
    // Visible now; the ISB is owed by the storing CPU only.
    CHECK(t.model.walker_answer(0, t.pte_index()) == kValid);
    CHECK(t.model.walker_answer(1, t.pte_index()) == 0);
}

TEST_CASE("arm64 model: a local TLBI leaves other CPUs' TLBs stale; a broadcast one does not") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.all = true});  // TLBI VMALLE1: this CPU only
    t.model.on_barrier(0, Barrier{BarrierKind::Dsb, 0x7});  // dsb nsh
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa, 0).hazard == Hazard::KernelFault);
    CHECK(t.fault(kVa, 1).hazard == Hazard::StaleTlb);
    CHECK(t.model.walker_answer(1, t.pte_index()) == 0);

    t.model.on_tlbi(0, {.all = true, .broadcast = true});  // TLBI VMALLE1IS
    t.model.on_barrier(0, kDsbIsh);
    CHECK(t.fault(kVa, 1).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a broadcast TLBI needs an inner-shareable DSB on the issuing CPU") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.model.on_barrier(1, kDsbIsh);  // another CPU's DSB does not wait for this TLBI
    t.model.on_barrier(0, Barrier{BarrierKind::Dsb, 0x7});  // nor does a non-shareable one
    CHECK(t.fault(kVa, 1).hazard == Hazard::StaleTlb);
    t.model.on_barrier(0, kDsbIsh);
    CHECK(t.fault(kVa, 1).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a write in interrupt context is deferred only if its barrier does not follow at once") {
    Tables t;
    auto irq_store = [&](size_t index) {
        const uint64_t old = t.pool.cpu(index);
        t.pool.set_cpu(index, kValid);
        LazyState s;
        s.thread_flags = uint64_t{1} << kTifLazyMmu;  // the interrupted task is in lazy mode
        s.depth = 1;
        s.preempt_count = 0x100;  // serving a softirq
        t.model.on_store(0, index, old, {}, s);
    };
    // v6.16: in_interrupt() makes queue_pte_barriers() emit dsb; isb at once.
    irq_store(t.pte_index(0));
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_barrier(0, kIsb);
    t.model.settle_deferral(0);
    CHECK(t.model.metrics().deferred == 0);
    CHECK(t.model.metrics().lost_batching == 0);
    // Before b81c688426a9: the flag is honoured in the interrupt and the next store comes first.
    irq_store(t.pte_index(1));
    irq_store(t.pte_index(2));
    CHECK(t.model.metrics().deferred == 1);
    t.model.settle_deferral(0);  // a hypercall, or the end of the run
    CHECK(t.model.metrics().deferred == 2);
}

// ---- rule 1: a completed TLBI is in effect for this CPU only after a context synchronization event

TEST_CASE("arm64 model: after TLBI and DSB the issuing CPU may still use the old translation until an ISB") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.broadcast = true, .last_level = true, .va = VirtAddr{kVa}});
    t.model.on_barrier(0, kDsbIsh);
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    CHECK(c.why.find("no ISB") != std::string::npos);
    CHECK(c.context_sync_missing);
    CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
    SUBCASE("an ISB puts it into effect") { t.model.on_barrier(0, kIsb); }
    SUBCASE("so does exception entry or return") { t.model.on_context_sync(0); }
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: with FEAT_ETS2 the DSB alone puts a completed TLBI and a new entry into effect") {
    Tables t{ArchFeatures{.ets2 = true}};
    t.store(t.pte_index(), kValid);
    t.model.on_barrier(0, kDsbIshst);
    CHECK(t.model.walker_answer(0, t.pte_index()) == kValid);  // no ISB owed for invalid -> valid
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.model.on_barrier(0, kDsbIsh);
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

// ---- rule 2: a TLB may hold any translation the walker could have seen since the last invalidation

TEST_CASE("arm64 model: a valid value overwritten before any DSB may still be cached") {
    Tables t;
    t.store(t.pte_index(), kValid);  // invalid -> valid, not made visible...
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.store(t.pte_index(), 0);  // ... and back: the walker may have read kValid meanwhile
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    REQUIRE(c.write);
    CHECK(c.write->new_value == kValid);  // named after the store that wrote the cached value
    CHECK(c.why.find("before any DSB") != std::string::npos);
    // A TLBI issued once the overwrite is visible covers it.
    t.model.on_tlbi(0, {.all = true, .broadcast = true});
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: an entry flipped many times is one record per translation, the newest") {
    Tables t;
    const uint64_t read_only = kValid | pgtable::field::kAPReadOnly;
    t.store_and_sync(t.pte_index(), kValid);
    SUBCASE("each flip made visible, none invalidated") {
        for (int i = 0; i < 1000; ++i) t.store_and_sync(t.pte_index(), i % 2 ? kValid : read_only);
        CHECK(t.model.tlb_records() == 4);  // two translations in each of two TLBs
        // One more flip, with a TLBI issued before it reaches the walker: that TLBI must not remove the
        // translation the flip made stale, however often the same translation was stale before.
        t.store(t.pte_index(), read_only);
        t.model.on_tlbi(0, {.all = true, .broadcast = true});
        t.model.on_barrier(0, kDsbIsh);
        t.model.on_barrier(0, kIsb);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::StaleTlb);
        CHECK(t.model.tlb_records() == 2);
        t.model.on_tlbi(0, {.all = true, .broadcast = true});
        t.model.on_barrier(0, kDsbIsh);
        t.model.on_barrier(0, kIsb);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::KernelFault);
        CHECK(t.model.tlb_records() == 0);
    }
    SUBCASE("flipped before any DSB") {
        for (int i = 0; i < 1000; ++i) t.store(t.pte_index(), i % 2 ? kValid : read_only);
        CHECK(t.model.tlb_records() == 2);
        t.model.on_barrier(0, kDsbIsh);
        t.model.on_barrier(0, kIsb);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::StaleTlb);
    }
}

TEST_CASE("arm64 model: storing back the walker's value over another valid one still hides the entry") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), kOther);
    t.store(t.pte_index(), kValid);
    CHECK(t.model.walker_answer(1, t.pte_index()) == 0);
    t.model.on_barrier(0, kDsbIshst);
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    REQUIRE(c.write);
    CHECK(c.write->new_value == kOther);
}

TEST_CASE("arm64 model: an ISB owed for a superseded store does not hide a stale translation") {
    Tables t;
    t.store(t.pte_index(), kValid);
    t.model.on_barrier(0, kDsbIshst);  // visible; an ISB is owed
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);  // removed, no TLBI
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    CHECK_FALSE(c.linux_recovers);
    CHECK_FALSE(c.context_sync_missing);
}

// ---- spurious faults

TEST_CASE("arm64 model: only a fault on an entry the walker can see is one Linux recovers from") {
    Tables t;
    t.store(t.pte_index(), kValid);
    CHECK_FALSE(t.fault(kVa).linux_recovers);  // no DSB: the walker cannot see it, an oops
    t.model.on_barrier(0, kDsbIshst);
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::UnactionedMapping);
    CHECK(c.linux_recovers);  // is_spurious_el1_translation_fault()
    CHECK(c.context_sync_missing);
}

// ---- break-before-make at the store

TEST_CASE("arm64 model: changing a live entry's output address needs break-before-make") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    SUBCASE("in place") {
        const auto v = t.store(t.pte_index(), kOther);
        REQUIRE(v);
        CHECK(v->live_value == kValid);
        CHECK(v->rule.find("output address") != std::string::npos);
        CHECK_FALSE(v->break_write);
    }
    SUBCASE("invalid entry never made visible") {
        CHECK_FALSE(t.store(t.pte_index(), 0));
        const auto v = t.store(t.pte_index(), kOther);
        REQUIRE(v);
        REQUIRE(v->break_write);
        CHECK(v->break_write->new_value == 0);
        CHECK(v->where.find("no DSB") != std::string::npos);
    }
    SUBCASE("an invalid entry from before the live one is no break") {
        t.store_and_sync(t.pte_index(), 0);
        t.store_and_sync(t.pte_index(), kValid);
        const auto v = t.store(t.pte_index(), kOther);
        REQUIRE(v);
        CHECK_FALSE(v->break_write);
        CHECK(v->where.find("never made invalid") != std::string::npos);
    }
    SUBCASE("invalid entry visible, no TLBI") {
        t.store(t.pte_index(), 0);
        t.model.on_barrier(0, kDsbIshst);
        const auto v = t.store(t.pte_index(), kOther);
        REQUIRE(v);
        CHECK(v->where.find("TLB") != std::string::npos);
        REQUIRE(v->break_write);
        CHECK(v->break_write->new_value == 0);
    }
    SUBCASE("TLBI not completed") {
        t.store(t.pte_index(), 0);
        t.model.on_barrier(0, kDsbIshst);
        t.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa}});
        CHECK(t.store(t.pte_index(), kOther));
    }
    SUBCASE("the full sequence") {
        t.store(t.pte_index(), 0);
        t.model.on_barrier(0, kDsbIshst);
        t.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa}});
        t.model.on_barrier(0, kDsbIsh);
        CHECK_FALSE(t.store(t.pte_index(), kOther));
    }
}

TEST_CASE("arm64 model: permission and access-flag changes need no break") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    CHECK_FALSE(t.store(t.pte_index(), kValid | pgtable::field::kAPReadOnly));
    CHECK_FALSE(t.store(t.pte_index(), (kValid | pgtable::field::kAPReadOnly) & ~pgtable::field::kAF));
}

TEST_CASE("arm64 model: a block over a live table needs a break unless FEAT_BBM level 2") {
    const uint64_t block = Pte{PhysAddr{0x40200000}.value | pgtable::prot::kKernel | pgtable::field::kValid}.raw();
    {
        Tables t;
        const auto v = t.store(t.pmd_index(), block);
        REQUIRE(v);
        CHECK(v->rule.find("table -> block") != std::string::npos);
    }
    {
        Tables t{ArchFeatures{.bbml2 = true}};
        CHECK_FALSE(t.store(t.pmd_index(), block));
    }
}

TEST_CASE("arm64 model: a contiguous range whose valid entries disagree is misprogrammed") {
    Tables t;
    const uint64_t cont = pgtable::field::kContiguous;
    for (unsigned i = 0; i < 4; ++i)  // a range being built: the rest still invalid is fine
        CHECK_FALSE(t.store(t.pte_index(i), (Pte::page(PhysAddr{0x40a00000 + i * 0x1000}, pgtable::prot::kKernel).raw()) | cont));
    const auto v = t.store(t.pte_index(4), Pte::page(PhysAddr{0x40b00000}, pgtable::prot::kKernel).raw() | cont);
    REQUIRE(v);
    CHECK(v->contiguous);
    CHECK(v->rule.find("not contiguous") != std::string::npos);
}

// ---- TLBI details

TEST_CASE("arm64 model: a TLBI whose level hint names another level does not cover the entry") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    auto flush = [&](Tlbi op) {
        t.model.on_tlbi(0, op);
        t.model.on_barrier(0, kDsbIsh);
        t.model.on_barrier(0, kIsb);
    };
    flush({.broadcast = true, .va = VirtAddr{kVa}, .level_hint = 2, .ttl = 0b0110});
    const auto hinted = t.fault(kVa);
    CHECK(hinted.hazard == Hazard::StaleTlb);
    // The report names the TLBI that missed and why.
    CHECK(hinted.why.find("a TLBI by VA 0xffff800100000000 did complete, but its operand's TTL 0b0110: 4 KiB granule, "
                          "level 2 hints another level, so the architecture need not invalidate this level-3 entry") !=
          std::string::npos);
    flush({.broadcast = true, .va = VirtAddr{kVa}, .level_hint = 3, .wrong_granule = true});
    CHECK(t.fault(kVa).hazard == Hazard::StaleTlb);
    flush({.broadcast = true, .va = VirtAddr{kVa}, .level_hint = 3});
    CHECK(t.fault(kVa).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a TLBI operand built as va >> 12 for a kernel address names the 64 KiB granule") {
    Tables t;
    t.store_and_sync(t.pte_index(), kValid);
    t.store(t.pte_index(), 0);
    t.model.on_barrier(0, kDsbIshst);
    // Bits 47:44 of kVa >> 12 are all ones: TG 0b11, level 3.
    t.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa}, .wrong_granule = true, .ttl = 0b1111});
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    const auto c = t.fault(kVa);
    CHECK(c.hazard == Hazard::StaleTlb);
    CHECK(c.why.find("TTL 0b1111: 64 KiB granule, level 3 names another granule than the 4 KiB one in use") !=
          std::string::npos);
    // A TLBI for another page is no near miss: nothing is said of it.
    Tables u;
    u.store_and_sync(u.pte_index(), kValid);
    u.store(u.pte_index(), 0);
    u.model.on_barrier(0, kDsbIshst);
    u.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa + 0x1000}, .wrong_granule = true, .ttl = 0b1111});
    u.model.on_barrier(0, kDsbIsh);
    CHECK(u.fault(kVa).why.find("TTL") == std::string::npos);
}

TEST_CASE("arm64 model: a range TLBI covers exactly its pages") {
    Tables t;
    t.store_and_sync(t.pte_index(2), kValid);
    t.store(t.pte_index(2), 0);
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa}, .pages = 2});  // pages 0 and 1
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa + 0x2000).hazard == Hazard::StaleTlb);
    t.model.on_tlbi(0, {.broadcast = true, .va = VirtAddr{kVa}, .pages = 4});
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa + 0x2000).hazard == Hazard::KernelFault);
}

// ---- translations that agree

namespace {
// The pmd entry of Tables made a 2 MiB block at boot, and the PTE frame freed.
constexpr uint64_t kBlockPa = 0x40a00000;
const uint64_t kBlock = kBlockPa | pgtable::prot::kKernel | pgtable::field::kValid;
uint64_t page_of_block(unsigned i) { return Pte::page(PhysAddr{kBlockPa + i * 0x1000}, pgtable::prot::kKernel).raw(); }

void make_block(Tables& t) {
    t.pool.set_both(t.pmd_index(), kBlock);
    t.model.forget_frame(PhysAddr{kBase + 3 * pgtable::kPageSize});
}

// split_pmd(): fill the new table, dsb(ishst), point the pmd at it; `sync` adds lazy-mode leave's dsb; isb.
std::optional<BreakBeforeMake> split(Tables& t, bool sync) {
    for (unsigned i = 0; i < pgtable::kEntriesPerTable; ++i) t.store(t.pte_index(i), page_of_block(i));
    t.model.on_barrier(0, kDsbIshst);
    auto bbm = t.store(t.pmd_index(), Pte::table(PhysAddr{kBase + 3 * pgtable::kPageSize}).raw());
    if (sync) {
        t.model.on_barrier(0, kDsbIshst);
        t.model.on_barrier(0, kIsb);
    }
    return bbm;
}
}  // namespace

TEST_CASE("arm64 model: a block split into pages that map it alike needs no flush under BBML2") {
    Tables t{ArchFeatures{.bbml2 = true}};
    make_block(t);
    CHECK_FALSE(split(t, false));
    // Not yet visible to the walker, which still has the block: the two agree, so walks are shown the block.
    CHECK(t.model.walker_answer(0, t.pmd_index()) == kBlock);
    CHECK(t.model.flush_before_store(t.pte_index(0)));  // a store below may undo the agreement
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_barrier(0, kIsb);
    // Visible now; TLBs may still hold the block, which gives every page what its PTE gives.
    CHECK(t.model.walker_answer(0, t.pmd_index()) != 0);
    CHECK(t.model.walker_answer(1, t.pte_index(5)) == page_of_block(5));
    CHECK(t.fault(kVa + 5 * 0x1000).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a page changed under a split block is judged page by page until a TLBI covers the block") {
    Tables t{ArchFeatures{.bbml2 = true}};
    make_block(t);
    split(t, true);
    t.store_and_sync(t.pte_index(5), 0);  // set_memory_valid(page 5, 0) with no flush yet
    CHECK(t.model.walker_answer(0, t.pte_index(5)) == 0);
    CHECK(t.model.walker_answer(0, t.pte_index(6)) == page_of_block(6));  // the block gives page 6 what its PTE does
    CHECK(t.fault(kVa + 5 * 0x1000).hazard == Hazard::StaleTlb);          // the block would still map page 5
    CHECK(t.fault(kVa + 6 * 0x1000).hazard == Hazard::KernelFault);
    // One TLBI by VA removes the block translation as a whole.
    t.model.on_tlbi(0, Tlbi{.broadcast = true, .last_level = true, .va = VirtAddr{kVa + 5 * 0x1000}});
    t.model.on_barrier(0, kDsbIsh);
    t.model.on_barrier(0, kIsb);
    CHECK(t.fault(kVa + 5 * 0x1000).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a table that does not map its block alike is hidden while the walker may use the block") {
    Tables t{ArchFeatures{.bbml2 = true}};
    make_block(t);
    for (unsigned i = 0; i < pgtable::kEntriesPerTable; ++i)
        t.store(t.pte_index(i), i == 7 ? page_of_block(i) | pgtable::field::kAPReadOnly : page_of_block(i));
    t.model.on_barrier(0, kDsbIshst);
    t.store(t.pmd_index(), Pte::table(PhysAddr{kBase + 3 * pgtable::kPageSize}).raw());
    CHECK(t.model.walker_answer(0, t.pmd_index()) == 0);
    // The walker still has the block, which lets page 7 be written; the new table does not.
    CHECK(t.fault(kVa + 7 * 0x1000, 0, Access::Write).hazard == Hazard::UnactionedMapping);
    // Actioned, the block stays in TLBs: page 7 may still be written through it, and read either way.
    t.model.on_barrier(0, kDsbIshst);
    t.model.on_barrier(0, kIsb);
    CHECK(t.model.walker_answer(0, t.pte_index(7)) == (page_of_block(7) | pgtable::field::kAPReadOnly));
    CHECK(t.model.walker_answer(0, t.pte_index(8)) == page_of_block(8));
    CHECK(t.fault(kVa + 7 * 0x1000, 0, Access::Write).hazard == Hazard::StaleTlb);
    CHECK(t.fault(kVa + 7 * 0x1000, 0, Access::Read).hazard == Hazard::KernelFault);
}

TEST_CASE("arm64 model: a stale entry that differs only in permissions is judged by what each access needs") {
    const uint64_t ro = kValid | pgtable::field::kAPReadOnly;
    {
        // set_memory_ro() without its TLBI: reads are right whichever entry the TLB uses, writes are not.
        Tables t;
        t.store_and_sync(t.pte_index(), kValid);
        t.store_and_sync(t.pte_index(), ro);
        CHECK(t.model.walker_answer(0, t.pte_index()) == ro);  // what both allow
        CHECK(t.fault(kVa, 0, Access::Read).hazard == Hazard::KernelFault);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::StaleTlb);
    }
    {
        // Made writable without a TLBI: the write may still take a spurious permission fault.
        Tables t;
        t.store_and_sync(t.pte_index(), ro);
        t.store_and_sync(t.pte_index(), kValid);
        CHECK(t.model.walker_answer(0, t.pte_index()) == ro);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::StaleTlb);
    }
    {
        // Made non-executable without a TLBI: only an instruction fetch can tell.
        Tables t;
        const uint64_t exec = kValid & ~pgtable::field::kPXN;
        t.store_and_sync(t.pte_index(), exec);
        t.store_and_sync(t.pte_index(), kValid);
        CHECK(t.model.walker_answer(0, t.pte_index()) == kValid);
        CHECK(t.fault(kVa, 0, Access::Fetch).hazard == Hazard::StaleTlb);
        CHECK(t.fault(kVa, 0, Access::Write).hazard == Hazard::KernelFault);
    }
    {
        // Another output address is never shown, whatever the access.
        Tables t;
        t.store_and_sync(t.pte_index(), kValid);
        t.store_and_sync(t.pte_index(), kOther);
        CHECK(t.model.walker_answer(0, t.pte_index()) == 0);
        CHECK(t.fault(kVa, 0, Access::Read).hazard == Hazard::StaleTlb);
    }
}

TEST_CASE("arm64 model: without BBML2 the split is a break-before-make violation") {
    Tables t;
    make_block(t);
    const auto bbm = split(t, true);
    REQUIRE(bbm);
    CHECK(bbm->rule.find("block -> table") != std::string::npos);
}

TEST_CASE("arm64 model: a table's hierarchical restrictions count when translations are compared") {
    Tables t{ArchFeatures{.bbml2 = true}};
    make_block(t);
    for (unsigned i = 0; i < pgtable::kEntriesPerTable; ++i) t.store(t.pte_index(i), page_of_block(i));
    t.model.on_barrier(0, kDsbIshst);
    // APTable read-only: every page below is read-only, unlike the block.
    t.store(t.pmd_index(), Pte::table(PhysAddr{kBase + 3 * pgtable::kPageSize}).raw() | pgtable::field::kAPTableReadOnly);
    CHECK(t.model.walker_answer(0, t.pmd_index()) == 0);
}

namespace {

constexpr uint64_t kUserVa = 0x0000004000200000ULL;
const uint64_t kUserPage =
    Pte::page(PhysAddr{0x40c00000}, pgtable::prot::kNormalAttrs | pgtable::field::kAPUser | pgtable::field::kNG |
                                        pgtable::field::kPXN | pgtable::field::kUXN)
        .raw();

// A user tree (pgd -> pte in frames 0..3) mapping kUserVa, built before any
// CPU loaded it: no frame is linked until on_ttbr0() links the tree.
struct UserTree {
    pgtable::TablePool pool{PhysAddr{kBase}, 4 * pgtable::kPageSize};
    Arm64Model model{pool, 2};

    UserTree() {
        for (int level = 0; level < 3; ++level) pool.set_both(entry(level), Pte::table(frame(level + 1)).raw());
        pool.set_both(entry(3), kUserPage);
    }
    static PhysAddr frame(int level) { return PhysAddr{kBase + static_cast<uint64_t>(level) * pgtable::kPageSize}; }
    size_t entry(int level) const {
        return pool.index_of(PhysAddr{frame(level).value + 8 * VirtAddr{kUserVa}.index(level)});
    }
    // pte_clear() and the DSB that publishes it, on `cpu`.
    void unmap(int cpu) {
        const uint64_t old = pool.cpu(entry(3));
        pool.set_cpu(entry(3), 0);
        model.on_store(cpu, entry(3), old, {}, {});
        model.on_barrier(cpu, kDsbIshst);
    }
    // A TLBI and the DSB that completes it, then an ISB, on `cpu`.
    void flush(int cpu, Tlbi op) {
        model.on_tlbi(cpu, op);
        model.on_barrier(cpu, op.broadcast ? kDsbIsh : Barrier{BarrierKind::Dsb, 0x7});
        model.on_barrier(cpu, kIsb);
    }
    Hazard access(int cpu) const { return model.classify(cpu, frame(0), VirtAddr{kUserVa}, Access::Read).hazard; }
};

}  // namespace

TEST_CASE("arm64 model: a user translation is cached tagged with the ASID its tree was loaded with") {
    UserTree t;
    t.model.on_ttbr0(0, UserTree::frame(0), 5);
    CHECK(t.pool.frame(UserTree::frame(3)).level == 3);  // loading the root linked the tree below it
    CHECK(t.pool.frame(UserTree::frame(3)).root == UserTree::frame(0));
    t.model.on_ttbr0(0, std::nullopt, 0);  // the reserved TTBR0: the tree stays in CPU 0's TLB
    t.unmap(1);
    // Only CPU 0 ever loaded the tree: only its TLB may hold the old translation.
    t.model.on_ttbr0(1, UserTree::frame(0), 5);
    CHECK(t.access(1) == Hazard::KernelFault);
    t.model.on_ttbr0(0, UserTree::frame(0), 7);  // another ASID does not find it
    CHECK(t.access(0) == Hazard::KernelFault);
    t.model.on_ttbr0(0, UserTree::frame(0), 5);
    CHECK(t.access(0) == Hazard::StaleTlb);
}

TEST_CASE("arm64 model: TLBI by ASID removes only that ASID's user translations") {
    const Tlbi by_va{.asid = 5, .broadcast = true, .va = VirtAddr{kUserVa}};
    struct Flush {
        const char* name;
        Tlbi op;
        bool removes;
    };
    const Flush flushes[] = {
        {"ASIDE1IS, the tree's ASID", {.all = true, .asid = 5, .broadcast = true}, true},
        {"ASIDE1IS, another ASID", {.all = true, .asid = 6, .broadcast = true}, false},
        {"VAE1IS, the tree's ASID", by_va, true},
        {"VAE1IS, another ASID", {.asid = 6, .broadcast = true, .va = VirtAddr{kUserVa}}, false},
        {"VAAE1IS, every ASID", {.broadcast = true, .va = VirtAddr{kUserVa}}, true},
        {"VMALLE1IS", {.all = true, .broadcast = true}, true},
        {"VAE1IS, another page", {.asid = 5, .broadcast = true, .va = VirtAddr{kUserVa + 0x1000}}, false},
    };
    for (const Flush& f : flushes) {
        CAPTURE(f.name);
        UserTree t;
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        t.unmap(1);
        t.flush(1, f.op);
        CHECK(t.access(0) == (f.removes ? Hazard::KernelFault : Hazard::StaleTlb));
    }
    // ASIDE1 leaves global (kernel) translations, which carry no ASID.
    Tables k;
    k.store_and_sync(k.pte_index(), kValid);
    k.store(k.pte_index(), 0);
    k.model.on_barrier(0, kDsbIshst);
    k.model.on_tlbi(0, {.all = true, .asid = 5, .broadcast = true});
    k.model.on_barrier(0, kDsbIsh);
    CHECK(k.fault(kVa, 1).hazard == Hazard::StaleTlb);
}

TEST_CASE("arm64 model: a CPU forgets a tree once a TLBI for its ASID completes while another is loaded") {
    SUBCASE("flushed after switching away: a later change leaves nothing in its TLB") {
        UserTree t;
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        t.model.on_ttbr0(0, std::nullopt, 0);
        t.flush(0, {.all = true, .asid = 5});
        t.unmap(1);
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        CHECK(t.access(0) == Hazard::KernelFault);
    }
    SUBCASE("flushed while loaded: the walker may refill it at once") {
        UserTree t;
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        t.flush(0, {.all = true, .asid = 5});
        t.unmap(1);
        CHECK(t.access(0) == Hazard::StaleTlb);
    }
    SUBCASE("a TLBI issued before the tree was loaded again does not remove it") {
        UserTree t;
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        t.model.on_ttbr0(0, std::nullopt, 0);
        t.model.on_tlbi(0, {.all = true, .asid = 5});
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        t.model.on_ttbr0(0, std::nullopt, 0);
        t.model.on_barrier(0, Barrier{BarrierKind::Dsb, 0x7});
        t.unmap(1);
        t.model.on_ttbr0(0, UserTree::frame(0), 5);
        CHECK(t.access(0) == Hazard::StaleTlb);
    }
}

TEST_CASE("arm64 model: a pgd frame reallocated for another mm does not inherit the old tree's TLBs") {
    UserTree t;
    t.model.on_ttbr0(0, UserTree::frame(0), 5);
    t.model.on_ttbr0(0, std::nullopt, 0);
    // The mm is torn down and its frames reallocated (zeroed) for a new mm's tree, which only CPU 1 loads.
    for (int level = 0; level < 4; ++level) t.model.forget_frame(UserTree::frame(level));
    for (int level = 0; level < 3; ++level)
        t.pool.set_both(t.entry(level), Pte::table(UserTree::frame(level + 1)).raw());
    t.pool.set_both(t.entry(3), kUserPage);
    t.model.on_ttbr0(1, UserTree::frame(0), 6);
    t.unmap(1);
    // CPU 0 never walked the new tree: nothing of it can be stale there, whatever ASID it loads it with.
    t.model.on_ttbr0(0, UserTree::frame(0), 5);
    CHECK(t.access(0) == Hazard::KernelFault);
    t.model.on_ttbr0(1, UserTree::frame(0), 6);
    CHECK(t.access(1) == Hazard::StaleTlb);
}
