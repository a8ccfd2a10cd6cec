// arm64 VMSAv8-64 descriptors for the 4 KiB granule, 4 levels, 48-bit VA.
//
// Every field is defined once, in kFields, and shared by decode, print and
// tests, so a mask cannot be right in one place and wrong in another.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace lmemu::pgtable {

inline constexpr uint64_t kPageShift = 12;
inline constexpr uint64_t kPageSize = uint64_t{1} << kPageShift;
inline constexpr int kLevels = 4;  // 0 (pgd) .. 3 (pte)
inline constexpr uint64_t kEntriesPerTable = 512;

struct PhysAddr {
    uint64_t value = 0;
    constexpr uint64_t page_base() const { return value & ~(kPageSize - 1); }
    constexpr uint64_t offset_in_page() const { return value & (kPageSize - 1); }
    constexpr auto operator<=>(const PhysAddr&) const = default;
};

struct VirtAddr {
    uint64_t value = 0;
    constexpr uint64_t page_base() const { return value & ~(kPageSize - 1); }
    constexpr uint64_t offset_in_page() const { return value & (kPageSize - 1); }
    // The table index this address selects at `level` (0..3).
    constexpr unsigned index(int level) const {
        return static_cast<unsigned>((value >> level_shift(level)) & (kEntriesPerTable - 1));
    }
    static constexpr unsigned level_shift(int level) { return 39 - 9 * static_cast<unsigned>(level); }
    constexpr auto operator<=>(const VirtAddr&) const = default;
};

// Linux's name for a table at `level`: pgd, pud, pmd, pte ("table" if unknown).
constexpr const char* level_name(int level) {
    constexpr const char* kNames[] = {"pgd", "pud", "pmd", "pte"};
    return level >= 0 && level < 4 ? kNames[level] : "table";
}

// How many bytes of VA one entry at `level` covers.
constexpr uint64_t level_span(int level) { return uint64_t{1} << VirtAddr::level_shift(level); }

struct Field {
    std::string_view name;
    uint64_t mask;
};

// Stage-1 descriptor fields (Arm ARM D8.3).
namespace field {
inline constexpr uint64_t kValid = uint64_t{1} << 0;
inline constexpr uint64_t kTable = uint64_t{1} << 1;  // table (L0-2) or page (L3)
inline constexpr uint64_t kAttrIndx = uint64_t{7} << 2;
inline constexpr uint64_t kNS = uint64_t{1} << 5;
inline constexpr uint64_t kAPUser = uint64_t{1} << 6;      // AP[1]
inline constexpr uint64_t kAPReadOnly = uint64_t{1} << 7;  // AP[2]
inline constexpr uint64_t kSH = uint64_t{3} << 8;
inline constexpr uint64_t kAF = uint64_t{1} << 10;
inline constexpr uint64_t kNG = uint64_t{1} << 11;
inline constexpr uint64_t kOutputAddress = 0x0000fffffffff000;
inline constexpr uint64_t kDBM = uint64_t{1} << 51;
inline constexpr uint64_t kContiguous = uint64_t{1} << 52;
inline constexpr uint64_t kPXN = uint64_t{1} << 53;
inline constexpr uint64_t kUXN = uint64_t{1} << 54;
// Table descriptors' hierarchical restrictions on everything below them.
inline constexpr uint64_t kPXNTable = uint64_t{1} << 59;
inline constexpr uint64_t kUXNTable = uint64_t{1} << 60;
inline constexpr uint64_t kAPTableNoUser = uint64_t{1} << 61;    // APTable[0]
inline constexpr uint64_t kAPTableReadOnly = uint64_t{1} << 62;  // APTable[1]
inline constexpr uint64_t kTableRestrictions = kPXNTable | kUXNTable | kAPTableNoUser | kAPTableReadOnly;
}  // namespace field

inline constexpr std::array<Field, 14> kFields{{
    {"valid", field::kValid},
    {"table", field::kTable},
    {"attrindx", field::kAttrIndx},
    {"ns", field::kNS},
    {"ap_user", field::kAPUser},
    {"ap_ro", field::kAPReadOnly},
    {"sh", field::kSH},
    {"af", field::kAF},
    {"ng", field::kNG},
    {"oa", field::kOutputAddress},
    {"dbm", field::kDBM},
    {"cont", field::kContiguous},
    {"pxn", field::kPXN},
    {"uxn", field::kUXN},
}};

consteval bool fields_disjoint() {
    uint64_t seen = 0;
    for (const auto& f : kFields) {
        if (seen & f.mask) return false;
        seen |= f.mask;
    }
    return true;
}
static_assert(fields_disjoint(), "descriptor fields overlap");

// MAIR_EL1 attribute indices, as Linux v6.16 arch/arm64/include/asm/memory.h.
enum class MemAttr : uint8_t { Normal = 0, NormalTagged = 1, NormalNC = 2, DeviceNGnRnE = 3, DeviceNGnRE = 4 };
inline constexpr uint64_t kMairValue = 0x000004'00'44'f0'ffULL;  // matches MemAttr order

enum class DescType { Invalid, Table, Block, Page, Reserved };

// One 64-bit translation table entry, with the level that gives it meaning.
class Pte {
public:
    constexpr Pte() = default;
    constexpr explicit Pte(uint64_t raw) : raw_(raw) {}

    constexpr uint64_t raw() const { return raw_; }
    constexpr bool valid() const { return raw_ & field::kValid; }
    constexpr DescType type(int level) const {
        if (!valid()) return DescType::Invalid;
        const bool bit1 = raw_ & field::kTable;
        if (level == 3) return bit1 ? DescType::Page : DescType::Reserved;
        if (bit1) return DescType::Table;
        return (level == 1 || level == 2) ? DescType::Block : DescType::Reserved;
    }
    constexpr bool is_leaf(int level) const {
        const auto t = type(level);
        return t == DescType::Page || t == DescType::Block;
    }
    constexpr PhysAddr output_address() const { return PhysAddr{raw_ & field::kOutputAddress}; }
    constexpr uint64_t get(uint64_t mask) const { return (raw_ & mask) >> __builtin_ctzll(mask); }
    constexpr Pte with(uint64_t mask, uint64_t value) const {
        return Pte{(raw_ & ~mask) | ((value << __builtin_ctzll(mask)) & mask)};
    }
    constexpr bool writable() const { return !(raw_ & field::kAPReadOnly); }
    constexpr bool user() const { return raw_ & field::kAPUser; }
    constexpr bool kernel_exec() const { return !(raw_ & field::kPXN); }
    constexpr auto operator<=>(const Pte&) const = default;

    static constexpr Pte table(PhysAddr next) { return Pte{next.page_base() | field::kValid | field::kTable}; }
    static constexpr Pte page(PhysAddr pa, uint64_t prot) {
        return Pte{pa.page_base() | field::kValid | field::kTable | prot};
    }
    // A level 1 or 2 block: bit 1 clear. `pa` must be aligned to the block.
    static constexpr Pte block(PhysAddr pa, uint64_t prot) { return Pte{pa.page_base() | field::kValid | (prot & ~field::kTable)}; }

private:
    uint64_t raw_ = 0;
};

// Protections of kernel mappings, as Linux's PROT_NORMAL and friends.
namespace prot {
inline constexpr uint64_t kNormalAttrs = field::kAF | field::kSH | (uint64_t(MemAttr::Normal) << 2);
inline constexpr uint64_t kKernel = kNormalAttrs | field::kDBM | field::kPXN | field::kUXN;       // PAGE_KERNEL
inline constexpr uint64_t kKernelRO = kNormalAttrs | field::kAPReadOnly | field::kPXN | field::kUXN;
inline constexpr uint64_t kKernelROX = kNormalAttrs | field::kAPReadOnly | field::kUXN;           // PAGE_KERNEL_ROX
}  // namespace prot

// "0x0068000040a88703 PAGE oa=0x40a88000 RW PXN UXN attr=0", for reports.
std::string describe(Pte pte, int level);

}  // namespace lmemu::pgtable
