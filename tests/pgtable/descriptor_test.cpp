#include <doctest/doctest.h>

#include "pgtable/descriptor.h"

using namespace lmemu::pgtable;

TEST_CASE("descriptor: every field round-trips through with()/get() without touching the others") {
    // A descriptor with every bit set except the field under test, then the
    // field set to all-ones and back to zero: nothing else may change.
    for (const Field& f : kFields) {
        const uint64_t max = f.mask >> __builtin_ctzll(f.mask);
        const Pte base{~f.mask};
        const Pte set = base.with(f.mask, max);
        CHECK(set.get(f.mask) == max);
        CHECK((set.raw() & ~f.mask) == (base.raw() & ~f.mask));
        CHECK(set.with(f.mask, 0) == base);
    }
}

TEST_CASE("descriptor: types by level follow the Arm ARM") {
    CHECK(Pte{0}.type(3) == DescType::Invalid);
    CHECK(Pte{0x3}.type(0) == DescType::Table);
    CHECK(Pte{0x3}.type(3) == DescType::Page);
    CHECK(Pte{0x1}.type(1) == DescType::Block);
    CHECK(Pte{0x1}.type(2) == DescType::Block);
    CHECK(Pte{0x1}.type(0) == DescType::Reserved);  // no level-0 blocks with 4K granule
    CHECK(Pte{0x1}.type(3) == DescType::Reserved);
}

TEST_CASE("descriptor: kernel protections encode as Linux's PROT_NORMAL") {
    const Pte p = Pte::page(PhysAddr{0x40a88000}, prot::kKernel);
    CHECK(p.raw() == 0x0068000040a88703ULL);  // as arm64 Linux shows a PAGE_KERNEL PTE
    CHECK(p.output_address().value == 0x40a88000);
    CHECK(p.writable());
    CHECK_FALSE(p.kernel_exec());
    CHECK_FALSE(Pte::page(PhysAddr{0x1000}, prot::kKernelROX).writable());
    CHECK(Pte::page(PhysAddr{0x1000}, prot::kKernelROX).kernel_exec());
}

TEST_CASE("descriptor: describe() shows an invalid entry's kept address") {
    CHECK(describe(Pte{0x0068000040a88702ULL}, 3).find("valid bit clear") != std::string::npos);
    CHECK(describe(Pte{0x40004003}, 0).find("TABLE oa=0x40004000") != std::string::npos);
}
