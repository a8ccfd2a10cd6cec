// Guest memory as the host reads it (by physical and virtual address) and
// frame-pointer backtraces through it.
#include "emu/machine_impl.h"

#include <unordered_set>

namespace lmemu::emu {

// ---- guest memory, as the host reads it ------------------------------------

std::optional<uint64_t> Machine::Impl::read_phys(uint64_t pa, unsigned size) const {
    if (in_ram(pa, size)) {
        uint64_t v = 0;
        std::memcpy(&v, ram_ptr(pa), size);
        return v;
    }
    if (pool_.contains(PhysAddr{pa}) && pool_.contains(PhysAddr{pa + size - 1}))
        return pool_.read_bytes(pa - LMEMU_PHYS_OFFSET, size);
    return std::nullopt;
}

std::optional<uint64_t> Machine::Impl::translate(uint64_t va) const {
    if (!kernel_va(va)) return std::nullopt;
    const auto w = pgtable::walk(PhysAddr{pgd_}, VirtAddr{va}, [&](PhysAddr e) { return pool_.cpu_entry(e); });
    if (!w.mapped()) return std::nullopt;
    return w.pa.value;
}

std::optional<uint64_t> Machine::Impl::read_virt(uint64_t va, unsigned size) const {
    if ((va & (kPage - 1)) + size > kPage) return std::nullopt;
    const auto pa = translate(va);
    if (!pa) return std::nullopt;
    return read_phys(*pa, size);
}

bool Machine::Impl::write_virt(uint64_t va, uint64_t value, unsigned size) {
    const auto pa = (va & (size - 1)) == 0 ? translate(va) : std::nullopt;
    if (!pa || !in_ram(*pa, size)) return false;
    std::memcpy(ram_ptr(*pa), &value, size);
    return true;
}

std::optional<std::string> Machine::Impl::read_string(uint64_t va, uint64_t max_len) const {
    std::string s;
    for (uint64_t i = 0; i < max_len; ++i) {
        const auto c = read_virt(va + i, 1);
        if (!c) return std::nullopt;
        if (*c == 0) break;
        s.push_back(static_cast<char>(*c));
    }
    return s;
}

// In memory callbacks (MMIO, unmapped accesses) the PC Unicorn reports is
// stale: the start of the translation block, or of a chain of blocks QEMU
// linked by direct branches (it writes the PC back only at exits and
// indirect branches), and which blocks are chained depends on what ran
// before. The instruction is one reachable from that PC through straight-line
// code and direct branches that `matches`: first within the function (a call
// returns to the instruction after it), then into the functions it calls (a
// BL is chained like a B), as another function's instruction can match by
// coincidence, with the same registers holding the same values.
std::optional<uint64_t> Machine::Impl::find_insn(const std::function<bool(uint32_t insn, uint64_t pc)>& matches) {
    constexpr size_t kMaxSearched = 1024;
    const uint64_t from = uc().reg(UC_ARM64_REG_PC);
    for (const bool into_calls : {false, true}) {
        std::vector<uint64_t> queue{from};
        std::unordered_set<uint64_t> seen{from};
        for (size_t next = 0; next < queue.size() && next < kMaxSearched; ++next) {
            const uint64_t at = queue[next];
            const uint32_t insn = code_at(at);
            if (matches(insn, at)) return at;
            const Successors s = successors(insn, at);
            const std::optional<uint64_t> fall = s.falls_through || (s.call && !into_calls) ? std::optional(at + 4) : std::nullopt;
            const std::optional<uint64_t> target = s.call && !into_calls ? std::nullopt : s.target;
            for (const auto succ : {fall, target})
                if (succ && seen.insert(*succ).second) queue.push_back(*succ);
        }
    }
    return std::nullopt;
}

uint32_t Machine::Impl::code_at(uint64_t pc) const {
    if (auto it = rewritten_.find(pc); it != rewritten_.end()) return it->second.insn;
    return static_cast<uint32_t>(read_virt(pc, 4).value_or(0));
}

// ---- backtraces --------------------------------------------------------------

// Frame records (x29 chain) as arm64 Linux's unwinder walks them. The LR is
// added when the faulting function has not pushed its own record yet (a leaf
// such as clear_page), which is what Linux's "lr :" line shows.
std::vector<uint64_t> Machine::Impl::raw_backtrace(uint64_t pc, uint64_t lr, uint64_t fp) const {
    std::vector<uint64_t> out{pc};
    const auto first_ret = fp ? read_virt(fp + 8, 8) : std::nullopt;
    if (lr && (!first_ret || *first_ret != lr) && image_.function_at(lr) != image_.function_at(pc)) out.push_back(lr);
    for (int depth = 0; fp && depth < 32; ++depth) {
        const auto next = read_virt(fp, 8);
        const auto ret = read_virt(fp + 8, 8);
        if (!next || !ret || *ret == 0) break;
        out.push_back(*ret);
        if (*next <= fp) break;
        fp = *next;
    }
    return out;
}

std::vector<Location> Machine::Impl::symbolize(const std::vector<uint64_t>& addrs) const {
    std::vector<Location> out;
    for (uint64_t a : addrs) {
        // The first is the PC, the rest return addresses, except the one an
        // exception vector's frame record holds: ELR, the interrupted PC.
        const bool exact = out.empty() || out.back().where.rfind("el1h_64_", 0) == 0;
        out.push_back(locate(a, !exact));
    }
    return out;
}

}  // namespace lmemu::emu
