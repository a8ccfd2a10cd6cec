#include <doctest/doctest.h>

#include "emu/maintenance.h"

using namespace lmemu;
using namespace lmemu::emu;

TEST_CASE("maintenance: barriers are recognised with their option, SSBB and friends are not") {
    const auto dsb = decode_maintenance(0xd5033a9f);  // dsb ishst
    REQUIRE(dsb);
    CHECK(dsb->kind == MaintenanceInsn::Barrier);
    CHECK(dsb->barrier.kind == lazymmu::BarrierKind::Dsb);
    CHECK(dsb->barrier.option == 0xa);
    CHECK(dsb->barrier.orders_stores());
    CHECK_FALSE(dsb->barrier.completes_tlbi(false));
    CHECK(decode_maintenance(0xd5033b9f)->barrier.completes_tlbi(true));   // dsb ish
    CHECK_FALSE(decode_maintenance(0xd503399f)->barrier.orders_stores());  // dsb ishld
    CHECK(decode_maintenance(0xd5033bbf)->barrier.kind == lazymmu::BarrierKind::Dmb);  // dmb ish
    CHECK(decode_maintenance(0xd5033fdf)->barrier.kind == lazymmu::BarrierKind::Isb);  // isb
    CHECK_FALSE(decode_maintenance(0xd503309f));  // ssbb
    CHECK_FALSE(decode_maintenance(0xd503201f));  // nop
    CHECK_FALSE(decode_maintenance(0xd51b4200));  // msr nzcv, x0
}

TEST_CASE("maintenance: TLBIs decode to their scope") {
    // tlbi vaale1is, x8: VA 0xffff000000a88000
    const auto t = decode_maintenance(0xd50883e8);
    REQUIRE(t);
    REQUIRE(t->kind == MaintenanceInsn::Tlbi);
    CHECK(t->rt == 8);
    const auto op = decode_tlbi(*t, 0xff000000a88ULL);
    REQUIRE(op);
    CHECK(op->broadcast);
    CHECK(op->last_level);
    CHECK_FALSE(op->all);
    CHECK(op->va.value == 0xffff000000a88000ULL);

    const auto all = decode_tlbi(*decode_maintenance(0xd508871f), 0);  // tlbi vmalle1
    REQUIRE(all);
    CHECK(all->all);
    CHECK_FALSE(all->broadcast);

    CHECK_FALSE(decode_tlbi(*decode_maintenance(0xd5088748), 0));  // tlbi aside1, x8: nothing global

    // tlbi rvaae1is, x1 with BaseADDR = VA[48:12] of 0xffff800100000000, NUM 3, SCALE 1.
    const uint64_t base = (0xffff800100000000ULL >> 12) & ((uint64_t{1} << 37) - 1);
    const auto r = decode_tlbi(*decode_maintenance(0xd5088261), base | (uint64_t{3} << 39) | (uint64_t{1} << 44));
    REQUIRE(r);
    CHECK(r->va.value == 0xffff800100000000ULL);
    CHECK(r->pages == 4u << 6);
    CHECK(r->broadcast);
}

TEST_CASE("maintenance: DAIF writes that can unmask interrupts are rewritten, masking ones are not") {
    const auto clr = decode_maintenance(0xd50343ff);  // msr daifclr, #3
    REQUIRE(clr);
    CHECK(clr->kind == MaintenanceInsn::DaifClear);
    CHECK(clr->crm == 3);
    const auto wr = decode_maintenance(0xd51b4220);  // msr daif, x0
    REQUIRE(wr);
    CHECK(wr->kind == MaintenanceInsn::DaifWrite);
    CHECK(wr->rt == 0);
    CHECK(decode_maintenance(0xd51b4233)->rt == 19);  // msr daif, x19
    CHECK_FALSE(decode_maintenance(0xd50343df));       // msr daifset, #3: masking needs no host
    CHECK_FALSE(decode_maintenance(0xd53b4220));       // mrs x0, daif
}
