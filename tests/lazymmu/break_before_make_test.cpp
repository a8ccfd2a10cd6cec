#include <doctest/doctest.h>

#include <array>

#include "lazymmu/break_before_make.h"
#include "pgtable/descriptor.h"

using namespace lmemu;
using namespace lmemu::lazymmu;
using pgtable::PhysAddr;
using pgtable::Pte;
namespace field = pgtable::field;

namespace {
const uint64_t kPage = Pte::page(PhysAddr{0x40a00000}, pgtable::prot::kKernel).raw();
const uint64_t kBlock = (0x40a00000 | pgtable::prot::kKernel | field::kValid);  // level-2 block: bit 1 clear
const uint64_t kTable = Pte::table(PhysAddr{0x40003000}).raw();
}  // namespace

TEST_CASE("break-before-make: what needs a break") {
    CHECK(break_required(kPage, kPage ^ 0x1000, 3, {}));                      // output address
    CHECK(break_required(kPage, kPage ^ (uint64_t{2} << 2), 3, {}));          // memory type (AttrIndx)
    CHECK(break_required(kPage, kPage & ~field::kSH, 3, {}));                  // shareability
    CHECK(break_required(kPage, kPage | field::kContiguous, 3, {}));           // contiguous <-> not
    CHECK(break_required(kPage | field::kNG, kPage, 3, {}));                   // non-global -> global
    CHECK(break_required(kTable, kBlock, 2, {}));                              // table -> block
    CHECK(break_required(kBlock, kTable, 2, {}));                              // block -> table
    CHECK(break_required(kPage, kPage | field::kNS, 3, {}));                   // security state
}

TEST_CASE("break-before-make: what may change in place") {
    CHECK_FALSE(break_required(kPage, kPage | field::kAPReadOnly, 3, {}));   // permissions
    CHECK_FALSE(break_required(kPage, kPage & ~field::kPXN, 3, {}));
    CHECK_FALSE(break_required(kPage, kPage | field::kAPUser, 3, {}));
    CHECK_FALSE(break_required(kPage, kPage & ~field::kAF, 3, {}));          // access flag
    CHECK_FALSE(break_required(kPage, kPage & ~field::kDBM, 3, {}));         // dirty state
    CHECK_FALSE(break_required(kPage, kPage | (uint64_t{1} << 55), 3, {}));  // software bits
    CHECK_FALSE(break_required(kPage, kPage | field::kNG, 3, {}));           // global -> non-global
    CHECK_FALSE(break_required(kPage, kPage | (uint64_t{1} << 2), 3, {}));   // Normal -> Normal-Tagged
    CHECK_FALSE(break_required(kPage, 0, 3, {}));                            // taking down
    CHECK_FALSE(break_required(0, kPage, 3, {}));                            // creating
    CHECK_FALSE(break_required(kTable, kTable + 0x1000, 2, {}));             // table -> table
}

TEST_CASE("break-before-make: FEAT_BBM level 2 allows a size change, nothing else") {
    const ArchFeatures bbml2{.bbml2 = true};
    CHECK_FALSE(break_required(kTable, kBlock, 2, bbml2));
    CHECK_FALSE(break_required(kBlock, kTable, 2, bbml2));
    CHECK_FALSE(break_required(kPage, kPage | field::kContiguous, 3, bbml2));  // the contiguous bit is a size too
    CHECK(break_required(kBlock, kBlock + 0x200000, 2, bbml2));
    CHECK(break_required(kPage, kPage & ~field::kSH, 3, bbml2));
}

TEST_CASE("break-before-make: arch_features names") {
    CHECK(parse_arch_features("") == ArchFeatures{});
    CHECK(parse_arch_features("none") == ArchFeatures{});
    CHECK(parse_arch_features("BBML2,ETS2") == ArchFeatures{.ets2 = true, .bbml2 = true});
    CHECK_FALSE(parse_arch_features("ETS3"));
    CHECK(to_string(ArchFeatures{.ets2 = true, .bbml2 = true}) == "ETS2,BBML2");
}

TEST_CASE("break-before-make: contiguous ranges") {
    std::array<uint64_t, 16> range{};
    for (unsigned i = 0; i < 16; ++i) range[i] = (kPage + i * 0x1000) | field::kContiguous;
    CHECK_FALSE(contiguous_misprogrammed(range, 3, {}));
    auto r = range;
    r[3] &= ~field::kAF;  // AF is per entry
    r[4] = 0;             // an invalid entry while the range is rebuilt
    CHECK_FALSE(contiguous_misprogrammed(r, 3, {}));
    r = range;
    r[5] &= ~field::kContiguous;
    CHECK(contiguous_misprogrammed(r, 3, {}));
    r = range;
    r[6] += 0x1000;  // not the next page
    CHECK(contiguous_misprogrammed(r, 3, {}));
    r = range;
    r[7] ^= field::kAPUser;  // attributes differ
    CHECK(contiguous_misprogrammed(r, 3, {}));
    for (auto& e : r = range) e += 0x1000;  // output range not aligned to 64 KiB
    CHECK(contiguous_misprogrammed(r, 3, {}));
    CHECK(contiguous_entries(3) == 16);
    CHECK(contiguous_entries(1) == 0);
}

TEST_CASE("break-before-make: under BBML2 a range being split may mix contiguous and not, if it maps alike") {
    const ArchFeatures bbml2{.bbml2 = true};
    std::array<uint64_t, 16> r{};
    for (unsigned i = 0; i < 16; ++i) r[i] = (kPage + i * 0x1000) | field::kContiguous;
    for (unsigned i = 0; i < 5; ++i) r[i] &= ~field::kContiguous;  // split_contpte() part-way
    CHECK(contiguous_misprogrammed(r, 3, {}));
    CHECK_FALSE(contiguous_misprogrammed(r, 3, bbml2));
    r[2] ^= field::kPXN;  // a non-contiguous entry changed before the range was split: amalgamation may lose it
    CHECK(contiguous_misprogrammed(r, 3, bbml2));
    r[2] ^= field::kPXN;
    r[1] += 0x1000;
    CHECK(contiguous_misprogrammed(r, 3, bbml2));
}
