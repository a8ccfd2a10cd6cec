// The ppc64-hash and sparc64 arch models: a page-table store takes effect
// at once, and the invalidation of what it replaced waits in the CPU's
// batch while lazy MMU mode is on: until leave, a full batch, (sparc64) a
// flush for another mm, and never across a context switch.
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

// `body` runs with `pte(i)`, `map(i)`, `clear(i)` and `touch(i)` over 200 pages at VMALLOC_START.
emu::RunResult run_batch(ArchModel arch, const std::string& body, std::vector<emu::Injection> injections = {},
                         int cpus = 1) {
    emu::MachineConfig cfg;
    cfg.arch = arch;
    cfg.cpus = cpus;
    cfg.injections = std::move(injections);
    return test::run_guest(test::vmalloc_pages_guest(200, 8, "static struct mm_struct other_mm;", body), cfg);
}

}  // namespace

TEST_CASE("tlb batch: a store takes effect at once, with no barrier, in lazy MMU mode or not") {
    for (const auto arch : {ArchModel::Ppc64Hash, ArchModel::Sparc64}) {
        CAPTURE(lazymmu::to_string(arch));
        const auto r = run_batch(arch, "map(0); touch(0); lazy_mmu_mode_enable(); map(1); touch(1); lazy_mmu_mode_disable();");
        CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
        CHECK(r.metrics.dsb == 0);
    }
}

TEST_CASE("tlb batch: a cleared entry's old translation stays usable until the batch is flushed") {
    for (const auto arch : {ArchModel::Ppc64Hash, ArchModel::Sparc64}) {
        CAPTURE(lazymmu::to_string(arch));
        // In the section: still in the TLB, not yet invalidated.
        auto r = run_batch(arch, "map(0); touch(0); lazy_mmu_mode_enable(); clear(0); touch(0); lazy_mmu_mode_disable();");
        CHECK_MESSAGE(hazard_of(r) == Hazard::StaleTlb, why(r));
        CHECK(r.incident->lazy.cpu_lazy_mode == 1);
        CHECK(r.incident->lazy.pending_writes == 1);
        // After the leave the flush has happened: a plain fault.
        r = run_batch(arch, "map(0); touch(0); lazy_mmu_mode_enable(); clear(0); lazy_mmu_mode_disable(); touch(0);");
        CHECK_MESSAGE(hazard_of(r) == Hazard::KernelFault, why(r));
        // Outside lazy MMU mode the clear flushes at once.
        r = run_batch(arch, "map(0); touch(0); clear(0); touch(0);");
        CHECK_MESSAGE(hazard_of(r) == Hazard::KernelFault, why(r));
        CHECK(r.metrics.deferred == 0);
    }
}

TEST_CASE("tlb batch: a full batch (192 invalidations) is flushed") {
    for (const auto arch : {ArchModel::Ppc64Hash, ArchModel::Sparc64}) {
        CAPTURE(lazymmu::to_string(arch));
        const char* clear_193 = "for (int i = 0; i < 193; i++) {{ map(i); touch(i); }} lazy_mmu_mode_enable(); "
                                "for (int i = 0; i < 193; i++) clear(i); touch({}); lazy_mmu_mode_disable();";
        // The 192nd clear filled the batch, which was flushed; the 193rd waits.
        auto r = run_batch(arch, fmt::format(fmt::runtime(clear_193), 191));
        CHECK_MESSAGE(hazard_of(r) == Hazard::KernelFault, why(r));
        r = run_batch(arch, fmt::format(fmt::runtime(clear_193), 192));
        CHECK_MESSAGE(hazard_of(r) == Hazard::StaleTlb, why(r));
    }
}

TEST_CASE("tlb batch: one mm per batch: another mm's flush flushes the batch first") {
    for (const auto arch : {ArchModel::Ppc64Hash, ArchModel::Sparc64}) {
        CAPTURE(lazymmu::to_string(arch));
        const auto r = run_batch(arch, "map(0); touch(0); lazy_mmu_mode_enable(); clear(0); "
                                       "arch_tlb_batch_add(&other_mm, 0x10000, __pte(0)); touch(0); lazy_mmu_mode_disable();");
        CHECK_MESSAGE(hazard_of(r) == Hazard::KernelFault, why(r));
    }
}

TEST_CASE("tlb batch: a context switch with the CPU's batch active is lazy-leak") {
    const auto preempt = test::inject("call:step", emu::InjectKind::Preempt, "other");
    for (const auto arch : {ArchModel::Ppc64Hash, ArchModel::Sparc64}) {
        CAPTURE(lazymmu::to_string(arch));
        // The hooks disable preemption: the preemption waits for the leave.
        auto r = run_batch(arch, "map(0); touch(0); lazy_mmu_mode_enable(); clear(0); step(); lazy_mmu_mode_disable();",
                           {preempt});
        CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
        // A section that lets preemption in (the hooks before the fixes, here a section opened by hand).
        r = run_batch(arch, fmt::format("map(0); touch(0); {}[smp_processor_id()].active = 1; clear(0); step();",
                                        arch == ArchModel::Ppc64Hash ? "ppc64_tlb_batch" : "tlb_batch"),
                      {preempt});
        CHECK_MESSAGE(hazard_of(r) == Hazard::LazyLeak, why(r));
        CHECK(why(r).find("context switch from") != std::string::npos);
    }
}
