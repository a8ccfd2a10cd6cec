// The arm64 rules for changing a live translation table entry (Arm ARM
// "Translation table entry modification" / "Using break-before-make when
// updating translation table entries"), as rules on descriptor pairs:
//   - a valid entry may become another valid entry directly only if the
//     change is in permissions (AP, PXN, UXN), the access flag, the dirty
//     state (DBM), software bits, or global -> non-global;
//   - a change of output address, memory type (AttrIndx), shareability,
//     NS, mapping size (table <-> block, contiguous <-> not) or
//     non-global -> global needs an invalid entry and a completed TLBI
//     covering the old one first, except a change of size (block <-> table,
//     the contiguous bit) under FEAT_BBM level 2 (BBML2);
//   - the 16 entries of a contiguous range that are valid must all have the
//     contiguous bit, share their attributes and map one aligned output range;
//     under BBML2 some may lack the bit while a range is split or built, as
//     long as all map that range alike (Linux's contpte_convert() and
//     split_contpte() rely on it).
// The mask of what may change in place follows Linux's pgattr_change_is_safe().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace lmemu::lazymmu {

// Optional architecture features a run assumes ([config] arch_features).
struct ArchFeatures {
    bool ets2 = false;   // FEAT_ETS2: a DSB alone puts completed TLB maintenance and new entries into effect
    bool bbml2 = false;  // FEAT_BBM level 2 (no abort): a mapping's size changes without a break
    bool lpa2 = false;   // FEAT_LPA2, as far as TLBI decodes: a TTL hint can name level 0
    auto operator<=>(const ArchFeatures&) const = default;
};
// "ETS2", "BBML2", "LPA2", comma-separated; "" or "none" for the base architecture.
std::optional<ArchFeatures> parse_arch_features(std::string_view spec);
std::string to_string(const ArchFeatures& f);  // "none", "ETS2", "ETS2,BBML2"

// Why changing `old_value` into `new_value` at `level` (0..3) needs a break,
// or nullopt if it may be done in place (or either side is invalid).
std::optional<std::string> break_required(uint64_t old_value, uint64_t new_value, int level, const ArchFeatures& f);

// Entries per contiguous range at `level` for the 4 KiB granule (16 at
// levels 2 and 3), 0 where the contiguous bit means nothing.
int contiguous_entries(int level);

// Why the contiguous range `group` (contiguous_entries(level) entries, aligned)
// is misprogrammed, or nullopt. Invalid entries are allowed (a range being
// built or torn down); the valid ones must agree.
std::optional<std::string> contiguous_misprogrammed(std::span<const uint64_t> group, int level,
                                                    const ArchFeatures& f);

}  // namespace lmemu::lazymmu
