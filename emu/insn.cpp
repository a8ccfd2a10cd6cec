#include "emu/insn.h"

#include <fmt/format.h>

#include <cstring>
#include <string_view>

#include "emu/unicorn.h"

namespace lmemu::emu {

const char* to_string(AccessType t) {
    switch (t) {
    case AccessType::Read: return "read";
    case AccessType::Write: return "write";
    case AccessType::Fetch: return "instruction fetch";
    }
    return "?";
}

Disassembler::Disassembler() {
    if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &cs_) != CS_ERR_OK) throw UnicornError("capstone: cs_open failed");
    cs_option(cs_, CS_OPT_DETAIL, CS_OPT_ON);
    insn_ = cs_malloc(cs_);
}

Disassembler::~Disassembler() {
    if (insn_) cs_free(insn_, 1);
    if (cs_) cs_close(&cs_);
}

std::string Disassembler::text(uint32_t insn, uint64_t pc) {
    const uint8_t* code = reinterpret_cast<const uint8_t*>(&insn);
    size_t size = 4;
    uint64_t addr = pc;
    if (!cs_disasm_iter(cs_, &code, &size, &addr, insn_)) return fmt::format("<undecodable {:#010x}>", insn);
    std::string s = insn_->mnemonic;
    if (insn_->op_str[0]) s += fmt::format(" {}", insn_->op_str);
    return s;
}

namespace {

// Capstone register ids differ between versions; names do not.
std::optional<RegRef> parse_reg(csh cs, unsigned reg) {
    const char* name = cs_reg_name(cs, reg);
    if (!name) return std::nullopt;
    std::string_view n{name};
    if (n == "sp" || n == "wsp") return RegRef{31, false, n[0] == 'w'};
    if (n == "xzr" || n == "wzr") return RegRef{31, true, n[0] == 'w'};
    if (n == "fp") return RegRef{29};
    if (n == "lr") return RegRef{30};
    if ((n[0] == 'x' || n[0] == 'w') && n.size() <= 3) {
        unsigned v = 0;
        for (char c : n.substr(1)) {
            if (c < '0' || c > '9') return std::nullopt;
            v = v * 10 + static_cast<unsigned>(c - '0');
        }
        return RegRef{v, false, n[0] == 'w'};
    }
    return std::nullopt;
}

uint64_t value_of(const RegRef& r, const RegisterFile& regs) {
    if (r.is_zero) return 0;
    const uint64_t v = regs(r.xn);
    return r.is_w ? (v & 0xffffffff) : v;
}

uint64_t extend(uint64_t v, arm64_extender ext) {
    switch (ext) {
    case ARM64_EXT_UXTB: return v & 0xff;
    case ARM64_EXT_UXTH: return v & 0xffff;
    case ARM64_EXT_UXTW: return v & 0xffffffff;
    case ARM64_EXT_SXTB: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(v)));
    case ARM64_EXT_SXTH: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int16_t>(v)));
    case ARM64_EXT_SXTW: return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int32_t>(v)));
    default: return v;
    }
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Bytes one register of this access moves, from the mnemonic's size suffix.
unsigned element_size(std::string_view m, bool first_is_w) {
    if (starts_with(m, "ldrsw") || starts_with(m, "ldursw")) return 4;
    const char last = m.back();
    const bool sized = !starts_with(m, "ldp") && !starts_with(m, "stp") && !starts_with(m, "ldnp") &&
                       !starts_with(m, "stnp") && !starts_with(m, "ldxp") && !starts_with(m, "stxp");
    if (sized && last == 'b') return 1;
    if (sized && last == 'h') return 2;
    return first_is_w ? 4 : 8;
}

bool is_pair(std::string_view m) {
    return starts_with(m, "ldp") || starts_with(m, "stp") || starts_with(m, "ldnp") || starts_with(m, "stnp") ||
           starts_with(m, "ldxp") || starts_with(m, "stxp") || starts_with(m, "ldaxp") || starts_with(m, "stlxp");
}

bool is_write(std::string_view m) {
    // Stores, and atomics that read and write (reported as writes: the write is what faults first).
    if (starts_with(m, "st") || starts_with(m, "cas") || starts_with(m, "swp")) return true;
    static constexpr std::string_view kAtomics[] = {"ldadd", "ldclr", "ldeor", "ldset", "ldsmax",
                                                    "ldsmin", "ldumax", "ldumin"};
    for (auto a : kAtomics)
        if (starts_with(m, a)) return true;
    return false;
}

// Capstone 4.0.2 does not decode the v8.1 LSE atomics; they address [Xn] only.
std::optional<AccessForm> lse_atomic(uint32_t insn) {
    const bool ldop_swp = (insn & 0x3f200c00) == 0x38200000;  // LDADD..LDUMIN, SWP
    const bool cas = (insn & 0x3fa07c00) == 0x08a07c00;       // CAS, CASA, CASL, CASAL
    if (!ldop_swp && !cas) return std::nullopt;
    AccessForm f;
    f.type = AccessType::Write;
    f.size = f.element = 1u << (insn >> 30);
    f.base = RegRef{(insn >> 5) & 31};
    return f;
}

}  // namespace

const std::optional<AccessForm>& Disassembler::form(uint32_t insn, uint64_t pc) {
    if (const auto it = forms_.find(insn); it != forms_.end()) return it->second;
    return forms_.emplace(insn, decode(insn, pc)).first->second;
}

std::optional<AccessForm> Disassembler::decode(uint32_t insn, uint64_t pc) {
    const uint8_t* code = reinterpret_cast<const uint8_t*>(&insn);
    size_t size = 4;
    uint64_t addr = pc;
    if (!cs_disasm_iter(cs_, &code, &size, &addr, insn_)) return lse_atomic(insn);
    const cs_arm64& d = insn_->detail->arm64;
    const std::string_view m{insn_->mnemonic};
    AccessForm f;

    if (m == "dc") {
        // Only DC ZVA writes data; Linux's clear_page() uses it. Block size 64 bytes (DCZID_EL0.BS = 4).
        if (std::strncmp(insn_->op_str, "zva", 3) != 0) return std::nullopt;
        for (int i = 0; i < d.op_count; ++i)
            if (d.operands[i].type == ARM64_OP_REG)
                if (auto r = parse_reg(cs_, d.operands[i].reg)) {
                    f.type = AccessType::Write;
                    f.size = 64;
                    f.element = 8;
                    f.data.assign(8, RegRef{31, true});
                    f.base = *r;
                    f.align_64 = true;
                    return f;
                }
        return std::nullopt;
    }

    const cs_arm64_op* mem = nullptr;
    bool imm_after_mem = false;
    std::optional<RegRef> first_reg;
    std::vector<RegRef> before_mem;  // the transfer registers (and a store-exclusive's status register)
    for (int i = 0; i < d.op_count; ++i) {
        const cs_arm64_op& op = d.operands[i];
        if (op.type == ARM64_OP_MEM) mem = &op;
        else if (op.type == ARM64_OP_IMM && mem) imm_after_mem = true;
        else if (op.type == ARM64_OP_REG && !mem) {
            const auto r = parse_reg(cs_, op.reg);
            if (r && !first_reg) first_reg = r;
            if (r) before_mem.push_back(*r);
        }
    }
    const bool load_like = starts_with(m, "ld") || is_write(m) || starts_with(m, "prfm");
    if (!load_like || starts_with(m, "prfm")) return std::nullopt;

    f.type = is_write(m) ? AccessType::Write : AccessType::Read;
    // A store-exclusive's first register is its status; the data follows.
    const bool exclusive = starts_with(m, "stx") || starts_with(m, "stlx");
    const size_t first_data = exclusive ? 1 : 0;
    const bool w = before_mem.size() > first_data ? before_mem[first_data].is_w : first_reg && first_reg->is_w;
    f.element = element_size(m, w);
    f.size = f.element * (is_pair(m) ? 2 : 1);
    if (starts_with(m, "st") && before_mem.size() > first_data)
        f.data.assign(before_mem.begin() + static_cast<ptrdiff_t>(first_data), before_mem.end());

    if (!mem) {
        // Literal load: Capstone gives the absolute target as an immediate.
        for (int i = 0; i < d.op_count; ++i)
            if (d.operands[i].type == ARM64_OP_IMM) {
                f.literal = true;
                f.offset = static_cast<int64_t>(static_cast<uint64_t>(d.operands[i].imm) - pc);
                return f;
            }
        return std::nullopt;
    }
    const auto base = parse_reg(cs_, mem->mem.base);
    if (!base) return std::nullopt;
    f.base = *base;
    if (mem->mem.index != ARM64_REG_INVALID) {
        f.index = parse_reg(cs_, mem->mem.index);
        if (!f.index) return std::nullopt;
        f.ext = mem->ext;
        if (mem->shift.type == ARM64_SFT_LSL) f.shift = mem->shift.value;
    } else if (!(d.writeback && imm_after_mem)) {
        // Post-index forms access the base itself; the immediate is applied afterwards.
        f.offset = mem->mem.disp;
    }
    return f;
}

std::optional<MemAccess> Disassembler::access(uint32_t insn, uint64_t pc, const RegisterFile& regs) {
    const auto& f = form(insn, pc);
    if (!f) return std::nullopt;
    MemAccess a;
    a.type = f->type;
    a.size = f->size;
    const uint64_t mask = f->element >= 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * f->element)) - 1;
    for (const auto& r : f->data) a.data.push_back(value_of(r, regs) & mask);
    if (f->literal) {
        a.va = pc + static_cast<uint64_t>(f->offset);
        return a;
    }
    uint64_t va = value_of(f->base, regs);
    if (f->index) va += extend(value_of(*f->index, regs), f->ext) << f->shift;
    va += static_cast<uint64_t>(f->offset);
    a.va = f->align_64 ? va & ~uint64_t{63} : va;
    return a;
}

Successors successors(uint32_t insn, uint64_t pc) {
    auto offset = [&](unsigned lsb, unsigned bits) {
        const int64_t imm = static_cast<int64_t>(static_cast<uint64_t>(insn >> lsb) << (64 - bits)) >> (64 - bits);
        return pc + static_cast<uint64_t>(imm * 4);
    };
    if ((insn & 0x7c000000) == 0x14000000)  // B, BL (the code after a BL is reached by a RET)
        return {false, offset(0, 26), (insn >> 31) != 0};
    if ((insn & 0xff000010) == 0x54000000)  // B.cond
        return {true, offset(5, 19)};
    if ((insn & 0x7e000000) == 0x34000000)  // CBZ, CBNZ
        return {true, offset(5, 19)};
    if ((insn & 0x7e000000) == 0x36000000)  // TBZ, TBNZ
        return {true, offset(5, 14)};
    if ((insn & 0xfe000000) == 0xd6000000 || (insn & 0xff000000) == 0xd4000000)  // BR/BLR/RET/ERET, SVC/HVC/BRK
        return {false, std::nullopt};
    return {};
}

}  // namespace lmemu::emu
