// Instruction decoding with Capstone: disassembly for reports, and the
// effective address of a load or store. Unicorn 2.0.1 reports neither a
// fault address nor a syndrome, so the faulting VA is recomputed from the
// instruction and the registers, as the hardware would have put it in FAR_EL1.
#pragma once

#include <capstone/capstone.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lmemu::emu {

enum class AccessType { Read, Write, Fetch };
const char* to_string(AccessType t);

struct MemAccess {
    uint64_t va = 0;  // lowest byte accessed
    unsigned size = 0;
    AccessType type = AccessType::Read;
    // For plain stores (STR*, STP, STUR*, STLR*, ST*XR, DC ZVA): what each
    // element writes, from the registers now. Empty for loads and atomics.
    std::vector<uint64_t> data;
};

// Register value by architectural name: "x3", "w3", "sp", "x29", "x30", "xzr".
using RegisterFile = std::function<uint64_t(unsigned xn /* 0..30, 31 = sp */)>;

// Where control can go after `insn` at `pc` without leaving translated code:
// the next instruction unless `insn` always branches away, and the target of a
// direct branch (B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ). The code after a BL is
// reached by a return, an indirect branch, so a BL has no fall-through.
// Indirect branches and exceptions have no successors.
struct Successors {
    bool falls_through = true;
    std::optional<uint64_t> target;
    bool call = false;  // BL: the target is a function, which returns to pc + 4
};
Successors successors(uint32_t insn, uint64_t pc);

// A register operand: x0..x30, 31 being sp or the zero register.
struct RegRef {
    unsigned xn = 0;
    bool is_zero = false;
    bool is_w = false;
};
// What an instruction's encoding says about its data access; the registers
// fill it in. Decoded once per encoding: the store-origin search decodes the
// same few hundred instructions on every page-table store.
struct AccessForm {
    AccessType type = AccessType::Read;
    unsigned size = 0;     // bytes in all
    unsigned element = 0;  // bytes each data register moves
    std::vector<RegRef> data;  // what a plain store writes, in order
    RegRef base;
    std::optional<RegRef> index;
    arm64_extender ext = ARM64_EXT_INVALID;
    unsigned shift = 0;
    int64_t offset = 0;        // added to the base (to the PC for a literal)
    bool literal = false;      // PC-relative
    bool align_64 = false;     // DC ZVA: the block containing the address
};

class Disassembler final {
public:
    Disassembler();
    ~Disassembler();
    Disassembler(const Disassembler&) = delete;
    Disassembler& operator=(const Disassembler&) = delete;

    // "str x1, [x0, #8]"; "<undecodable 0x...>" if Capstone cannot.
    std::string text(uint32_t insn, uint64_t pc);
    // The data access `insn` makes at `pc` with registers `regs`, if it is a load or store.
    std::optional<MemAccess> access(uint32_t insn, uint64_t pc, const RegisterFile& regs);

private:
    const std::optional<AccessForm>& form(uint32_t insn, uint64_t pc);
    std::optional<AccessForm> decode(uint32_t insn, uint64_t pc);

    csh cs_ = 0;
    cs_insn* insn_ = nullptr;
    std::unordered_map<uint32_t, std::optional<AccessForm>> forms_;  // by encoding; see AccessForm
};

}  // namespace lmemu::emu
