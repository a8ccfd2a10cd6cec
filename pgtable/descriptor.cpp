#include "pgtable/descriptor.h"

#include <fmt/format.h>

namespace lmemu::pgtable {

std::string describe(Pte pte, int level) {
    static constexpr std::string_view kType[] = {"INVALID", "TABLE", "BLOCK", "PAGE", "RESERVED"};
    std::string out = fmt::format("{:#018x} {}", pte.raw(), kType[static_cast<int>(pte.type(level))]);
    if (!pte.valid()) {
        // An invalid entry may still hold an address: DEBUG_PAGEALLOC only clears PTE_VALID.
        if (pte.raw()) out += fmt::format(" (oa={:#x}, valid bit clear)", pte.output_address().value);
        return out;
    }
    out += fmt::format(" oa={:#x}", pte.output_address().value);
    if (pte.type(level) == DescType::Table) return out;
    out += pte.writable() ? " RW" : " RO";
    if (pte.user()) out += " USER";
    if (!(pte.raw() & field::kAF)) out += " !AF";
    if (pte.raw() & field::kNG) out += " nG";
    if (pte.raw() & field::kPXN) out += " PXN";
    if (pte.raw() & field::kUXN) out += " UXN";
    if (pte.raw() & field::kContiguous) out += " CONT";
    out += fmt::format(" attr={}", pte.get(field::kAttrIndx));
    return out;
}

}  // namespace lmemu::pgtable
