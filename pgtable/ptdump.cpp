#include "pgtable/ptdump.h"

#include <fmt/format.h>

namespace lmemu::pgtable {
namespace {

constexpr const char* kLevelName[] = {"PGD", "PUD", "PMD", "PTE"};

struct Run {
    uint64_t start = 0, end = 0;
    int level = -1;
    uint64_t attrs = 0;  // descriptor bits other than the address; 0 for holes
    bool valid = false;
};

std::string size_str(uint64_t bytes) {
    if (bytes >= (uint64_t{1} << 30) && bytes % (uint64_t{1} << 30) == 0) return fmt::format("{}G", bytes >> 30);
    if (bytes >= (uint64_t{1} << 20) && bytes % (uint64_t{1} << 20) == 0) return fmt::format("{}M", bytes >> 20);
    return fmt::format("{}K", bytes >> 10);
}

std::string attr_str(const Run& r) {
    const Pte p{r.attrs | field::kValid};
    std::string s;
    s += p.user() ? "USR " : "    ";
    s += p.writable() ? "RW " : "ro ";
    s += (p.raw() & field::kPXN) ? "NX " : "x  ";
    s += (p.get(field::kSH) == 3) ? "SHD " : "    ";
    s += (p.raw() & field::kAF) ? "AF " : "   ";
    s += (p.raw() & field::kNG) ? "NG " : "   ";
    s += (p.raw() & field::kContiguous) ? "CON " : "    ";
    s += (r.level < 3) ? "BLK " : "    ";
    s += (p.raw() & field::kUXN) ? "UXN " : "    ";
    static constexpr const char* kAttr[] = {"MEM/NORMAL", "MEM/NORMAL-TAGGED", "MEM/NORMAL-NC", "DEVICE/nGnRnE",
                                            "DEVICE/nGnRE", "ATTR5", "ATTR6", "ATTR7"};
    s += kAttr[p.get(field::kAttrIndx)];
    return s;
}

class Dumper {
public:
    Dumper(const EntryReader& read, const std::vector<AddressMarker>& markers) : read_(read), markers_(markers) {}

    void table(PhysAddr t, int level, uint64_t va) {
        const uint64_t span = level_span(level);
        for (unsigned i = 0; i < kEntriesPerTable; ++i, va += span) {
            const auto raw = read_(PhysAddr{t.page_base() + 8 * i});
            const Pte pte{raw.value_or(0)};
            if (pte.type(level) == DescType::Table) {
                table(pte.output_address(), level + 1, va);
                continue;
            }
            Run r{va, va + span, level, pte.valid() ? (pte.raw() & ~field::kOutputAddress) : 0, pte.valid()};
            add(r);
        }
    }

    std::string finish() {
        flush();
        return out_;
    }

private:
    void add(const Run& r) {
        if (cur_.level >= 0 && cur_.end == r.start && cur_.level == r.level && cur_.attrs == r.attrs &&
            cur_.valid == r.valid && !marker_between(cur_.start, r.start)) {
            cur_.end = r.end;
            return;
        }
        flush();
        cur_ = r;
    }
    bool marker_between(uint64_t a, uint64_t b) const {
        for (const auto& m : markers_)
            if (m.start > a && m.start <= b) return true;
        return false;
    }
    void flush() {
        if (cur_.level < 0) return;
        for (const auto& m : markers_)
            if (m.start >= cur_.start && m.start < cur_.end && !printed_marker(m.start)) {
                out_ += fmt::format("---[ {} ]---\n", m.name);
                printed_.push_back(m.start);
            }
        if (cur_.valid)
            out_ += fmt::format("{:#018x}-{:#018x} {:>8} {}       {}\n", cur_.start, cur_.end,
                                size_str(cur_.end - cur_.start), kLevelName[cur_.level], attr_str(cur_));
        cur_ = {};
    }
    bool printed_marker(uint64_t s) const {
        for (auto p : printed_)
            if (p == s) return true;
        return false;
    }

    const EntryReader& read_;
    const std::vector<AddressMarker>& markers_;
    std::vector<uint64_t> printed_;
    Run cur_;
    std::string out_;
};

}  // namespace

std::string ptdump(PhysAddr root, uint64_t va_base, const EntryReader& read,
                   const std::vector<AddressMarker>& markers) {
    Dumper d(read, markers);
    d.table(root, 0, va_base);
    return d.finish();
}

}  // namespace lmemu::pgtable
