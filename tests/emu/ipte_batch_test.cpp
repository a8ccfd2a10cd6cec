// The s390 arch model: in lazy MMU mode the new values of one page table's
// PTEs wait in the CPU's cache (ipte_batch) and are stored at leave, after
// one batched invalidation. Only the CPU's ptep_get() sees them before that;
// the table, its walker, direct loads and the other CPUs have the old entry.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::ArchModel;
using lazymmu::Hazard;
using lazymmu::Verdict;
using test::hazard_of;
using test::why;

namespace {

// `body` runs with `pte(i)`, `map(i)`, `clear(i)`, `touch(i)` over pages at
// VMALLOC_START (one page table holds the first 512), and `step()`, a call
// to inject at.
emu::RunResult run_s390(const std::string& body, std::vector<emu::Injection> injections = {}, int cpus = 1) {
    emu::MachineConfig cfg;
    cfg.arch = ArchModel::S390;
    cfg.cpus = cpus;
    cfg.injections = std::move(injections);
    return test::run_guest(
        test::vmalloc_pages_guest(520, 8,
                                  "#include <asm/ipte_batch.h>\n"
                                  "static void read_pte(void *info) { *(pte_t *)info = ptep_get(pte(0)); }",
                                  body),
        cfg);
}

}  // namespace

TEST_CASE("ipte batch: set_pte() in lazy MMU mode is cached; ptep_get() reads the cache, the table has the old entry") {
    auto r = run_s390("lazy_mmu_mode_enable(); map(0); BUG_ON(pte_none(ptep_get(pte(0)))); "
                      "BUG_ON(ipte_batch[0].nr != 1); lazy_mmu_mode_disable(); touch(0);");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.metrics.deferred == 1);
    CHECK(r.metrics.dsb == 0);  // the walker reads the table as stored
    // Only the cached entries are held back: a direct load of another entry of the table is fine.
    r = run_s390("lazy_mmu_mode_enable(); map(0); (void)READ_ONCE(*pte(1)); lazy_mmu_mode_disable();");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    // A direct dereference bypasses the cache.
    r = run_s390("lazy_mmu_mode_enable(); map(0); (void)READ_ONCE(*pte(0)); lazy_mmu_mode_disable();");
    REQUIRE_MESSAGE(hazard_of(r) == Hazard::StalePteRead, why(r));
    CHECK(r.incident->write->held.find("CPU 0's ipte_batch") != std::string::npos);
    CHECK(r.incident->write->write.old_value == 0);
    CHECK(r.incident->lazy.cpu_lazy_mode == 1);
    CHECK(r.incident->lazy.pending_writes == 1);
    CHECK(why(r).find("ptep_get() would have returned the cached value") != std::string::npos);
}

TEST_CASE("ipte batch: an access through a cached mapping before the leave is unactioned-mapping") {
    auto r = run_s390("lazy_mmu_mode_enable(); map(0); touch(0); lazy_mmu_mode_disable();");
    REQUIRE_MESSAGE(hazard_of(r) == Hazard::UnactionedMapping, why(r));
    CHECK(!r.incident->write->held.empty());
    // Cleared in the section: the old entry stays valid, and in use, until the leave's invalidation.
    r = run_s390("map(0); touch(0); lazy_mmu_mode_enable(); clear(0); touch(0); lazy_mmu_mode_disable(); touch(0);");
    CHECK_MESSAGE(hazard_of(r) == Hazard::KernelFault, why(r));
    CHECK(r.incident->backtrace.size() > 0);
    CHECK(r.metrics.deferred == 1);
}

TEST_CASE("ipte batch: the leave invalidates what was valid before it stores, so a changed entry is made with BBM") {
    // 0 -> 1: the same page with another attribute; any missing invalidation would leave a stale TLB entry.
    const auto r = run_s390("map(0); touch(0); lazy_mmu_mode_enable(); "
                            "set_pte(pte(0), pte_wrprotect(ptep_get(pte(0)))); lazy_mmu_mode_disable(); touch(0);");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.metrics.tlbi >= 1);
}

TEST_CASE("ipte batch: the cache holds one page table; an entry of another is set at once") {
    // Entry 515 is in the next table: set at once, so it may be touched in the section.
    auto r = run_s390("lazy_mmu_mode_enable(); map(0); map(515); touch(515); lazy_mmu_mode_disable(); touch(0);");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.metrics.deferred == 1);
    CHECK(r.metrics.lost_batching == 0);  // set at once by design, not for want of a batch
    // An inner leave (v6.16 tolerates nesting) stores the cache and ends the batch: map(1) loses it.
    r = run_s390("lazy_mmu_mode_enable(); lazy_mmu_mode_enable(); map(0); lazy_mmu_mode_disable(); map(1); touch(1); "
                 "lazy_mmu_mode_disable();");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    CHECK(r.metrics.deferred == 1);
    CHECK(r.metrics.lost_batching == 1);
    // arch_flush_lazy_mmu_mode() stores the cache and stays in lazy MMU mode.
    r = run_s390("lazy_mmu_mode_enable(); map(0); arch_flush_lazy_mmu_mode(); touch(0); map(1); touch(1); "
                 "lazy_mmu_mode_disable();");
    CHECK_MESSAGE(hazard_of(r) == Hazard::UnactionedMapping, why(r));
    CHECK(r.incident->write->write.va.value == r.incident->access->va);
}

TEST_CASE("ipte batch: lazy MMU mode disables preemption; a switch with the cache active is lazy-leak") {
    const auto preempt = test::inject("call:step", emu::InjectKind::Preempt, "other");
    auto r = run_s390("lazy_mmu_mode_enable(); map(0); step(); lazy_mmu_mode_disable(); touch(0);", {preempt});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    r = run_s390("ipte_batch[smp_processor_id()].active = IPTE_BATCH_CACHING; map(0); step();", {preempt});
    CHECK_MESSAGE(hazard_of(r) == Hazard::LazyLeak, why(r));
}

TEST_CASE("ipte batch: another CPU's ptep_get() reads the table, not this CPU's cache") {
    // CPU 1's ptep_get() finds nothing in its own cache and loads the table.
    auto r = run_s390("pte_t seen; lazy_mmu_mode_enable(); map(0); smp_call_function_single(1, read_pte, &seen, 1); "
                      "lazy_mmu_mode_disable();",
                      {}, 2);
    REQUIRE_MESSAGE(hazard_of(r) == Hazard::StalePteRead, why(r));
    CHECK(r.incident->cpu == 1);
    CHECK(r.incident->write->write.cpu == 0);
    CHECK(r.incident->write->held.find("CPU 0's ipte_batch") != std::string::npos);
    // Stored at leave: what CPU 1 reads then is the new entry.
    r = run_s390("pte_t seen; lazy_mmu_mode_enable(); map(0); lazy_mmu_mode_disable(); "
                 "smp_call_function_single(1, read_pte, &seen, 1); BUG_ON(pte_none(seen));",
                 {}, 2);
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}
