#include "lazymmu/break_before_make.h"

#include <fmt/format.h>
#include <vector>

#include "pgtable/descriptor.h"

namespace lmemu::lazymmu {

using pgtable::DescType;
using pgtable::Pte;
namespace field = pgtable::field;

std::optional<ArchFeatures> parse_arch_features(std::string_view spec) {
    ArchFeatures f;
    if (spec.empty() || spec == "none") return f;
    size_t start = 0;
    while (start <= spec.size()) {
        const size_t comma = std::min(spec.find(',', start), spec.size());
        const std::string_view name = spec.substr(start, comma - start);
        if (name == "ETS2") f.ets2 = true;
        else if (name == "BBML2") f.bbml2 = true;
        else if (name == "LPA2") f.lpa2 = true;
        else return std::nullopt;
        start = comma + 1;
    }
    return f;
}

std::string to_string(const ArchFeatures& f) {
    std::vector<std::string_view> names;
    if (f.ets2) names.push_back("ETS2");
    if (f.bbml2) names.push_back("BBML2");
    if (f.lpa2) names.push_back("LPA2");
    return names.empty() ? "none" : fmt::format("{}", fmt::join(names, ","));
}

namespace {

// What a live leaf may change in place: permissions, AF, dirty, software
// bits [58:55]. nG is handled apart (only global -> non-global is safe).
constexpr uint64_t kMayChangeInPlace = field::kAPUser | field::kAPReadOnly | field::kPXN | field::kUXN | field::kAF |
                                       field::kDBM | (uint64_t{0xf} << 55) | field::kNG;

const char* size_name(const Pte& p, int level) {
    if (p.type(level) == DescType::Table) return "table";
    if (level == 3) return p.raw() & field::kContiguous ? "contiguous page" : "page";
    return p.raw() & field::kContiguous ? "contiguous block" : "block";
}

}  // namespace

std::optional<std::string> break_required(uint64_t old_value, uint64_t new_value, int level, const ArchFeatures& f) {
    const Pte old_pte{old_value}, new_pte{new_value};
    if (!old_pte.valid() || !new_pte.valid() || old_value == new_value) return std::nullopt;
    const DescType old_type = old_pte.type(level), new_type = new_pte.type(level);
    // A table pointing elsewhere is a walk-cache matter (the old table must not be freed
    // before a TLBI), not a conflict between two translations of one size.
    if (old_type == DescType::Table && new_type == DescType::Table) return std::nullopt;
    if (old_type != new_type) {
        if (f.bbml2) return std::nullopt;  // FEAT_BBM level 2: the size change itself is allowed
        return fmt::format("the mapping size changes ({} -> {})", size_name(old_pte, level), size_name(new_pte, level));
    }
    if ((old_value ^ new_value) & field::kContiguous && !f.bbml2)
        return fmt::format("the mapping size changes ({} -> {})", size_name(old_pte, level), size_name(new_pte, level));
    if (old_pte.output_address() != new_pte.output_address())
        return fmt::format("the output address changes ({:#x} -> {:#x})", old_pte.output_address().value,
                           new_pte.output_address().value);
    // Normal <-> Normal-Tagged is a permission change as far as mismatched aliases go (Linux relies on it).
    auto normal = [](const Pte& p) {
        const auto a = static_cast<pgtable::MemAttr>(p.get(field::kAttrIndx));
        return a == pgtable::MemAttr::Normal || a == pgtable::MemAttr::NormalTagged;
    };
    if ((old_value ^ new_value) & field::kAttrIndx && !(normal(old_pte) && normal(new_pte)))
        return fmt::format("the memory type changes (AttrIndx {} -> {})", old_pte.get(field::kAttrIndx),
                           new_pte.get(field::kAttrIndx));
    if ((old_value ^ new_value) & field::kSH)
        return fmt::format("the shareability changes (SH {} -> {})", old_pte.get(field::kSH), new_pte.get(field::kSH));
    if (old_value & ~new_value & field::kNG) return std::string("a non-global entry becomes global");
    const uint64_t sized = f.bbml2 ? field::kContiguous : 0;
    if ((old_value ^ new_value) & ~(kMayChangeInPlace | field::kAttrIndx | sized))
        return fmt::format("attribute bits {:#x} change", (old_value ^ new_value) & ~(kMayChangeInPlace | sized));
    return std::nullopt;
}

int contiguous_entries(int level) { return level == 2 || level == 3 ? 16 : 0; }

std::optional<std::string> contiguous_misprogrammed(std::span<const uint64_t> group, int level,
                                                    const ArchFeatures& f) {
    const uint64_t span = pgtable::level_span(level);
    // AF and the hardware-managed dirty state (AP[2] under DBM) are per entry;
    // under BBML2 so is the contiguous bit itself.
    auto attributes = [&](uint64_t v) {
        uint64_t a = v & ~(field::kOutputAddress | field::kAF | (f.bbml2 ? field::kContiguous : 0));
        if (v & field::kDBM) a &= ~field::kAPReadOnly;
        return a;
    };
    std::optional<size_t> first_cont;
    for (size_t i = 0; i < group.size(); ++i)
        if (Pte{group[i]}.valid() && (group[i] & field::kContiguous)) {
            first_cont = i;
            break;
        }
    if (!first_cont) return std::nullopt;
    const uint64_t ref = group[*first_cont];
    const uint64_t base = Pte{ref}.output_address().value - *first_cont * span;
    if (base % (span * group.size()))
        return fmt::format("entry {} maps {:#x}, so the range's output would start at {:#x}, which is not aligned to "
                           "{:#x}",
                           *first_cont, Pte{ref}.output_address().value, base, span * group.size());
    for (size_t i = 0; i < group.size(); ++i) {
        const Pte p{group[i]};
        if (!p.valid()) continue;
        if (!(group[i] & field::kContiguous) && !f.bbml2)
            return fmt::format("entry {} is valid without the contiguous bit while entry {} has it", i, *first_cont);
        if (p.output_address().value != base + i * span)
            return fmt::format("entry {} maps {:#x}, not {:#x}: the range's output addresses are not contiguous", i,
                               p.output_address().value, base + i * span);
        if (attributes(group[i]) != attributes(ref))
            return fmt::format("entries {} and {} differ in attributes ({:#x})", *first_cont, i,
                               attributes(group[i]) ^ attributes(ref));
    }
    return std::nullopt;
}

}  // namespace lmemu::lazymmu
