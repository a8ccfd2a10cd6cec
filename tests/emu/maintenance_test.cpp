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

    CHECK(op->asid == -1);  // VAALE1: every ASID

    const auto by_asid = decode_tlbi(*decode_maintenance(0xd5088748), uint64_t{0x2a} << 48);  // tlbi aside1, x8
    REQUIRE(by_asid);
    CHECK(by_asid->all);
    CHECK(by_asid->asid == 0x2a);
    const auto user_page = decode_tlbi(*decode_maintenance(0xd50883a8), (uint64_t{7} << 48) | 0x400);  // tlbi vale1is, x8
    REQUIRE(user_page);
    CHECK(user_page->asid == 7);
    CHECK(user_page->last_level);
    CHECK(user_page->va.value == 0x400000);

    // mrs x3, ttbr0_el1: the host answers with the value the guest wrote.
    const auto read = decode_maintenance(0xd5382003);
    REQUIRE(read);
    CHECK(read->kind == MaintenanceInsn::Ttbr0Read);
    CHECK(read->rt == 3);

    // tlbi rvaae1is, x1 with BaseADDR = VA[48:12] of 0xffff800100000000, NUM 3, SCALE 1.
    const uint64_t base = (0xffff800100000000ULL >> 12) & ((uint64_t{1} << 37) - 1);
    const uint64_t tg_4k = uint64_t{1} << 46;
    const auto r = decode_tlbi(*decode_maintenance(0xd5088261), base | (uint64_t{3} << 39) | (uint64_t{1} << 44) | tg_4k);
    REQUIRE(r);
    CHECK(r->va.value == 0xffff800100000000ULL);
    CHECK(r->pages == 4u << 6);
    CHECK(r->broadcast);
    CHECK_FALSE(r->wrong_granule);
    CHECK(r->level_hint == -1);
}

TEST_CASE("maintenance: range TLBIs decode NUM and SCALE as the architecture does") {
    const auto rvaae1is = *decode_maintenance(0xd5088261);
    const uint64_t tg_4k = uint64_t{1} << 46;
    auto pages = [&](uint64_t num, uint64_t scale) {
        return decode_tlbi(rvaae1is, tg_4k | (num << 39) | (scale << 44))->pages;
    };
    CHECK(pages(0, 0) == 2);                 // (NUM+1) << (5*SCALE+1)
    CHECK(pages(31, 0) == 64);
    CHECK(pages(0, 1) == 64);
    CHECK(pages(31, 3) == 0x200000);         // MAX_TLBI_RANGE_PAGES: 8 GiB of 4 KiB pages
    CHECK(pages(1, 3) == 0x20000);           // e3ba51ab24fd's operand: 512 MiB
    // TG 0 is reserved and 2/3 name other granules: nothing need be invalidated.
    CHECK(decode_tlbi(rvaae1is, 0)->wrong_granule);
    CHECK(decode_tlbi(rvaae1is, uint64_t{3} << 46)->wrong_granule);
    // TTL in Xt[38:37]: 0 any level, else the level of the leaf entries.
    CHECK(decode_tlbi(rvaae1is, tg_4k | (uint64_t{3} << 37))->level_hint == 3);
    CHECK(decode_tlbi(rvaae1is, tg_4k | (uint64_t{3} << 37))->ttl == 0b0111);  // TG:TTL, as a TTL field reads
}

TEST_CASE("maintenance: the TTL hint of a TLBI by VA") {
    const auto vaae1is = *decode_maintenance(0xd5088360);  // tlbi vaae1is, x0
    auto hint = [&](uint64_t ttl, bool lpa2 = false) { return decode_tlbi(vaae1is, ttl << 44, lpa2); };
    CHECK(hint(0)->level_hint == -1);      // no information
    CHECK(hint(0b0111)->level_hint == 3);  // 4 KiB, level 3
    CHECK(hint(0b0110)->level_hint == 2);
    CHECK(hint(0b0100)->level_hint == -1);        // level 0 means nothing without FEAT_LPA2...
    CHECK(hint(0b0100, true)->level_hint == 0);   // ... and level 0 with it
    CHECK(hint(0b1011)->wrong_granule);           // a 16 KiB hint on a 4 KiB table
    // The hint as written, for the report: `va >> 12` of a kernel address has ones in Xt[47:44].
    const auto kernel_va = decode_tlbi(vaae1is, 0xffff800100000000ULL >> 12);
    CHECK(kernel_va->wrong_granule);
    CHECK(kernel_va->ttl == 0b1111);
    CHECK(lazymmu::describe_ttl(kernel_va->ttl) == "TTL 0b1111: 64 KiB granule, level 3");
    CHECK(decode_maintenance(0xd69f03e0)->kind == MaintenanceInsn::Eret);
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
