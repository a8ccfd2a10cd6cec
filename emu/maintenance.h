// Barriers, TLB maintenance instructions, ERET and the DAIF writes that can
// unmask interrupts: recognised by encoding in the loaded text, replaced
// there by `hvc #LMEMU_HVC_REWRITTEN`, and carried out by the host when the
// guest executes them (the model sees barriers, TLBIs and the context
// synchronization of ERET; an unmask delivers the interrupts injected while
// they were masked).
#pragma once

#include <cstdint>
#include <optional>

#include "lazymmu/arm64_model.h"

namespace lmemu::emu {

struct MaintenanceInsn {
    enum Kind { Barrier, Tlbi, DaifClear, DaifWrite, Yield, Eret, RegimeWrite, Ttbr0Read } kind;
    uint32_t insn;              // the original encoding
    lazymmu::Barrier barrier;   // for Barrier
    uint8_t crm = 0, op2 = 0;   // for Tlbi: SYS #0, C8, Cm, #op2; for DaifClear: the D, A, I, F bits to clear
    uint8_t rt = 31;            // for Tlbi, DaifWrite and Ttbr0Read: Xt
};

// DSB (but not SSBB/PSSBB), DMB, ISB, the EL1 TLBIs, MSR DAIFClr, #imm,
// MSR DAIF, Xt, the spin-loop hints YIELD and WFE, ERET (a context
// synchronization event the model must see), and MSR to TTBR0/TTBR1/TCR/
// MAIR_EL1, which would take translation away from what the model watches
// (RegimeWrite: a guest fault, but for TTBR0_EL1, switch_mm()'s), and MRS
// Xt, TTBR0_EL1 (Ttbr0Read: the host gives back what the guest wrote, not
// the walk alias Unicorn walks through); nullopt for anything else.
std::optional<MaintenanceInsn> decode_maintenance(uint32_t insn);
// "TTBR1_EL1" for a RegimeWrite.
const char* regime_register(uint32_t insn);

// What a TLBI invalidates, given Xt, as the Arm ARM decodes it for the 4 KiB
// granule: the TTL hint (Xt[47:44]; Xt[38:37] and TG in Xt[47:46] for the
// range forms), where a level-0 hint means level 0 only with FEAT_LPA2.
// The ASID is Xt[63:48] unmasked: the caller applies the ASID width.
// nullopt for encodings that are not EL1 TLB invalidations lmemu knows.
std::optional<lazymmu::Tlbi> decode_tlbi(const MaintenanceInsn& t, uint64_t xt, bool lpa2 = false);

}  // namespace lmemu::emu
