// The xen-pv arch model: page-table updates are mmu_update requests the host
// makes as the hypervisor, queued per CPU in lazy MMU mode. What a load and
// an access see, when the batch is issued (leave, flush, full, context
// switch), flushes queued behind updates, and traps of direct stores.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;
using test::why;

namespace {

// `body` runs with `pte(i)`, `map(i)` and `touch(i)` over 40 pages at VMALLOC_START, tables made beforehand.
emu::RunResult run_xen(const std::string& body, std::vector<emu::Injection> injections = {}) {
    emu::MachineConfig cfg;
    cfg.arch = lazymmu::ArchModel::XenPv;
    cfg.injections = std::move(injections);
    return test::run_guest(test::vmalloc_pages_guest(40, 6, "#include <asm/xen/hypervisor.h>", body), cfg);
}

}  // namespace

TEST_CASE("xen-pv: outside lazy MMU mode an update is made before set_pte() returns") {
    const auto r = run_xen("map(0); BUG_ON(pte_none(ptep_get(pte(0)))); touch(0);");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}

TEST_CASE("xen-pv: a load of an entry whose update is queued returns the old value: stale-pte-read") {
    const auto r = run_xen("lazy_mmu_mode_enable(); map(3); (void)ptep_get(pte(3)); lazy_mmu_mode_disable();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::StalePteRead);
    REQUIRE(r.incident->write);
    CHECK(r.incident->write->held.find("multicall batch") != std::string::npos);
    CHECK(r.incident->write->write.old_value == 0);
    CHECK(r.incident->write->write.new_value != 0);
    CHECK(r.incident->lazy.cpu_lazy_mode == 1);
}

TEST_CASE("xen-pv: a load of another entry, or after the batch is issued, is not stale") {
    auto r = run_xen("lazy_mmu_mode_enable(); map(3); (void)ptep_get(pte(4)); lazy_mmu_mode_disable();");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    r = run_xen("lazy_mmu_mode_enable(); map(3); arch_flush_lazy_mmu_mode(); BUG_ON(pte_none(ptep_get(pte(3)))); "
                "lazy_mmu_mode_disable();");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}

TEST_CASE("xen-pv: an access through a queued update is unactioned-mapping; leaving lazy mode issues it") {
    auto r = run_xen("lazy_mmu_mode_enable(); map(5); touch(5); lazy_mmu_mode_disable();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UnactionedMapping);
    CHECK(r.incident->write->held.find("multicall batch") != std::string::npos);
    r = run_xen("lazy_mmu_mode_enable(); map(5); lazy_mmu_mode_disable(); touch(5);");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
}

TEST_CASE("xen-pv: a full batch (32 requests) is issued before the next request is queued") {
    // 33 updates: the 33rd finds the batch full, so the first 32 are made; the 33rd waits.
    auto r = run_xen("lazy_mmu_mode_enable(); for (int i = 0; i < 33; i++) map(i); touch(31); lazy_mmu_mode_disable();");
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    r = run_xen("lazy_mmu_mode_enable(); for (int i = 0; i < 33; i++) map(i); touch(32); lazy_mmu_mode_disable();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UnactionedMapping);
    r = run_xen("lazy_mmu_mode_enable(); for (int i = 0; i < 32; i++) map(i); touch(0); lazy_mmu_mode_disable();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UnactionedMapping);
}

TEST_CASE("xen-pv: a TLB flush in lazy MMU mode is queued behind the updates before it") {
    // Unmapped and flushed in the section: the flush acts once the clear is
    // made, so the later access finds no translation at all.
    auto unmap = [](const char* flush) {
        return fmt::format(R"(map(7); touch(7);
            lazy_mmu_mode_enable();
            pte_clear(&init_mm, base + 7 * PAGE_SIZE, pte(7));
            {}
            lazy_mmu_mode_disable();
            touch(7);)",
                           flush);
    };
    auto r = run_xen(unmap("flush_tlb_kernel_range(base + 7 * PAGE_SIZE, base + 8 * PAGE_SIZE);"));
    REQUIRE(r.incident);
    CHECK_MESSAGE(r.incident->hazard == Hazard::KernelFault, why(r));
    // Without the flush the old translation outlives the clear.
    r = run_xen(unmap(""));
    REQUIRE(r.incident);
    CHECK_MESSAGE(r.incident->hazard == Hazard::StaleTlb, why(r));
}

TEST_CASE("xen-pv: a second enter of lazy MMU mode is Xen's BUG") {
    const auto r = run_xen("arch_enter_lazy_mmu_mode(); arch_enter_lazy_mmu_mode();");
    CHECK(r.verdict == Verdict::Bug);
    CHECK(why(r).find("XEN_LAZY_NONE") != std::string::npos);
}

TEST_CASE("xen-pv: a context switch issues the outgoing task's batch and resumes its lazy mode") {
    const auto preempt = test::inject("call:step", emu::InjectKind::Preempt, "other");
    // Preempted with an update queued: the switch issues it, and the task's
    // later updates are queued again (its lazy mode came back with it).
    auto r = run_xen(R"(lazy_mmu_mode_enable(); map(1); step();
        touch(1);
        map(2); BUG_ON(xen_lazy_mode[smp_processor_id()] != XEN_LAZY_MMU);
        lazy_mmu_mode_disable(); touch(2);)",
                     {preempt});
    CHECK_MESSAGE(r.verdict == Verdict::Clean, why(r));
    // Without the preemption the first update is still queued at touch(1).
    r = run_xen("lazy_mmu_mode_enable(); map(1); step(); touch(1); lazy_mmu_mode_disable();");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UnactionedMapping);
}

TEST_CASE("xen-pv: the mmu_update hypercall is refused under the arm64 model") {
    const auto image = test::build_guest(R"(
        #include <lmemu/hypercall.h>
        void scenario(void) { lmemu_hvc3(LMEMU_HVC_XEN_MMU_UPDATE, 0x40000000, 0, 1); }
    )");
    emu::Machine m(image, {});
    const auto r = m.run();
    CHECK(r.verdict == Verdict::GuestFault);
    CHECK(why(r).find("only xen-pv") != std::string::npos);
}
