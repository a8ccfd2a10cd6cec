#include <doctest/doctest.h>

#include <array>

#include "emu/insn.h"

using namespace lmemu::emu;

namespace {
// x1 = 0x1000, x2 = 0x20 (or w2 = -2 for the sign-extended forms), sp = 0x8000, x5 = 0x4567.
uint64_t reg(unsigned n) {
    switch (n) {
    case 1: return 0x1000;
    case 2: return 0xfffffffe00000020ULL;  // x2; w2 = 0x20
    case 5: return 0x4567;
    case 31: return 0x8000;
    default: return 0;
    }
}
struct Form {
    uint32_t insn;
    const char* text;
    uint64_t va;
    unsigned size;
    AccessType type;
};
}  // namespace

TEST_CASE("insn: the fault VA of every load/store addressing form") {
    const RegisterFile regs = reg;
    constexpr uint64_t x2 = 0xfffffffe00000020ULL;
    const std::array<Form, 21> forms{{
        {0xf9400420, "ldr x0, [x1, #8]", 0x1008, 8, AccessType::Read},
        {0xf8408420, "ldr x0, [x1], #8", 0x1000, 8, AccessType::Read},  // post-index: the base
        {0xf8408c20, "ldr x0, [x1, #8]!", 0x1008, 8, AccessType::Read},
        {0xf8627820, "ldr x0, [x1, x2, lsl #3]", 0x1000 + (x2 << 3), 8, AccessType::Read},
        {0xb862d820, "ldr w0, [x1, w2, sxtw #2]", 0x1000 + (0x20 << 2), 4, AccessType::Read},
        {0xf8624820, "ldr x0, [x1, w2, uxtw]", 0x1020, 8, AccessType::Read},
        {0xf81f0020, "stur x0, [x1, #-16]", 0xff0, 8, AccessType::Write},
        {0xf81f0420, "str x0, [x1], #-16", 0x1000, 8, AccessType::Write},
        {0x39000c20, "strb w0, [x1, #3]", 0x1003, 1, AccessType::Write},
        {0x78626820, "ldrh w0, [x1, x2]", 0x1000 + x2, 2, AccessType::Read},
        {0xa9410c40, "ldp x0, x3, [x2, #16]", x2 + 16, 16, AccessType::Read},
        {0xa8c10c40, "ldp x0, x3, [x2], #16", x2, 16, AccessType::Read},
        {0xa9fe0c40, "ldp x0, x3, [x2, #-32]!", x2 - 32, 16, AccessType::Read},
        {0xa9bf0fe0, "stp x0, x3, [sp, #-16]!", 0x7ff0, 16, AccessType::Write},
        {0x29010c40, "stp w0, w3, [x2, #8]", x2 + 8, 8, AccessType::Write},
        {0xa8817bfd, "stp x29, x30, [sp], #16", 0x8000, 16, AccessType::Write},
        {0xf85fd020, "ldur x0, [x1, #-3]", 0xffd, 8, AccessType::Read},
        {0xd50b7425, "dc zva, x5", 0x4540, 64, AccessType::Write},  // aligned down to the 64-byte block
        {0x58000080, "ldr x0, #0x10 (literal)", 0x2010, 8, AccessType::Read},  // at pc 0x2000
        {0xc85f7c20, "ldxr x0, [x1]", 0x1000, 8, AccessType::Read},
        {0xf8200023, "ldadd x0, x3, [x1]", 0x1000, 8, AccessType::Write},
    }};
    Disassembler dis;
    for (const Form& f : forms) {
        CAPTURE(std::string(f.text));
        const auto a = dis.access(f.insn, 0x2000, regs);
        REQUIRE(a);
        CHECK(a->va == f.va);
        CHECK(a->size == f.size);
        CHECK(a->type == f.type);
    }
}

TEST_CASE("insn: an encoding decoded once still takes its address and data from the registers and PC of each use") {
    // Forms are cached by encoding; nothing register- or PC-dependent may be cached with them.
    Disassembler dis;
    const RegisterFile first = reg;
    const RegisterFile second = [](unsigned n) -> uint64_t { return n == 1 ? 0x5000 : n == 0 ? 0xabcd : reg(n); };
    const uint32_t str = 0xf9000420;  // str x0, [x1, #8]
    const auto a = dis.access(str, 0x2000, first);
    const auto b = dis.access(str, 0x2000, second);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->va == 0x1008);
    CHECK(b->va == 0x5008);
    CHECK(a->data == std::vector<uint64_t>{0});
    CHECK(b->data == std::vector<uint64_t>{0xabcd});
    const uint32_t literal = 0x58000080;  // ldr x0, #+0x10
    CHECK(dis.access(literal, 0x2000, first)->va == 0x2010);
    CHECK(dis.access(literal, 0x7000, first)->va == 0x7010);
}

TEST_CASE("insn: non-memory instructions have no access; text disassembles") {
    Disassembler dis;
    const RegisterFile regs = reg;
    CHECK_FALSE(dis.access(0xd503201f, 0, regs));  // nop
    CHECK_FALSE(dis.access(0xd5033a9f, 0, regs));  // dsb ishst
    CHECK(dis.text(0xd5033a9f, 0) == "dsb ishst");
    CHECK(dis.text(0xf9400420, 0) == "ldr x0, [x1, #8]");
}

TEST_CASE("insn: successors of branches, as the store-origin search follows them") {
    const uint64_t pc = 0x1000;
    auto check = [&](uint32_t insn, bool falls_through, std::optional<uint64_t> target) {
        const Successors s = successors(insn, pc);
        CHECK(s.falls_through == falls_through);
        CHECK(s.target == target);
    };
    check(0x14000004, false, pc + 16);         // b #+16
    check(0x17fffffc, false, pc - 16);         // b #-16
    check(0x94000002, false, pc + 8);          // bl #+8: the code after it is reached by a ret
    CHECK(successors(0x94000002, pc).call);
    CHECK_FALSE(successors(0x14000004, pc).call);
    check(0x54000041, true, pc + 8);           // b.ne #+8
    check(0xb4ffffe0, true, pc - 4);           // cbz x0, #-4
    check(0x37080060, true, pc + 12);          // tbnz w0, #1, #+12
    check(0xd65f03c0, false, std::nullopt);    // ret
    check(0xd63f0100, false, std::nullopt);    // blr x8
    check(0xd4000002, false, std::nullopt);    // hvc #0
    check(0x91000421, true, std::nullopt);     // add x1, x1, #1
}
