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
    csh cs_ = 0;
    cs_insn* insn_ = nullptr;
};

}  // namespace lmemu::emu
