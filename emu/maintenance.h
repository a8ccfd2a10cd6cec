// Barriers and TLB maintenance instructions: recognised by encoding in the
// loaded text, replaced there by `hvc #LMEMU_HVC_REWRITTEN`, and decoded into
// the model's terms when the guest executes them.
#pragma once

#include <cstdint>
#include <optional>

#include "lazymmu/arm64_model.h"

namespace lmemu::emu {

struct MaintenanceInsn {
    enum Kind { Barrier, Tlbi } kind;
    uint32_t insn;              // the original encoding
    lazymmu::Barrier barrier;   // for Barrier
    uint8_t crm = 0, op2 = 0;   // for Tlbi: SYS #0, C8, Cm, #op2
    uint8_t rt = 31;            // for Tlbi: Xt
};

// DSB (but not SSBB/PSSBB), DMB, ISB and the EL1 TLBIs; nullopt for anything else.
std::optional<MaintenanceInsn> decode_maintenance(uint32_t insn);

// What a TLBI invalidates, given Xt. nullopt for operations with no effect
// on kernel (global) entries: TLBI ASIDE1*.
std::optional<lazymmu::Tlbi> decode_tlbi(const MaintenanceInsn& t, uint64_t xt);

}  // namespace lmemu::emu
