// A dump of the kernel page tables in the style of Linux's
// /sys/kernel/debug/kernel_page_tables (arch/arm64/mm/ptdump.c): one line per
// run of entries with the same attributes, grouped under address markers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "pgtable/descriptor.h"

namespace lmemu::pgtable {

struct AddressMarker {
    uint64_t start;
    std::string name;
};

using EntryReader = std::function<std::optional<uint64_t>(PhysAddr)>;

// `va_base` is the VA the root table's entry 0 translates (TTBR1: 0xffff000000000000).
std::string ptdump(PhysAddr root, uint64_t va_base, const EntryReader& read,
                   const std::vector<AddressMarker>& markers);

}  // namespace lmemu::pgtable
