#include "emu/maintenance.h"

namespace lmemu::emu {

std::optional<MaintenanceInsn> decode_maintenance(uint32_t insn) {
    // Barriers: 1101 0101 0000 0011 0011 CRm op2 11111 (Arm ARM C6.2).
    if ((insn & 0xfffff01f) == 0xd503301f) {
        const uint8_t crm = (insn >> 8) & 0xf;
        switch ((insn >> 5) & 7) {
        case 4:  // DSB; options 0 and 4 encode SSBB/PSSBB, which do not order stores for walks
            if (crm == 0 || crm == 4) return std::nullopt;
            return MaintenanceInsn{MaintenanceInsn::Barrier, insn, {lazymmu::BarrierKind::Dsb, crm}};
        case 5: return MaintenanceInsn{MaintenanceInsn::Barrier, insn, {lazymmu::BarrierKind::Dmb, crm}};
        case 6: return MaintenanceInsn{MaintenanceInsn::Barrier, insn, {lazymmu::BarrierKind::Isb, crm}};
        default: return std::nullopt;
        }
    }
    // YIELD (cpu_relax()) and WFE: a spinning CPU lets another run.
    if (insn == 0xd503203f || insn == 0xd503205f) return MaintenanceInsn{MaintenanceInsn::Yield, insn, {}};
    if (insn == 0xd69f03e0) return MaintenanceInsn{MaintenanceInsn::Eret, insn, {}};
    // SYS #0, C8, Cm, #op2, Xt: the EL1 TLB maintenance instructions.
    if ((insn & 0xfffff000) == 0xd5088000)
        return MaintenanceInsn{MaintenanceInsn::Tlbi, insn, {}, static_cast<uint8_t>((insn >> 8) & 0xf),
                               static_cast<uint8_t>((insn >> 5) & 7), static_cast<uint8_t>(insn & 0x1f)};
    // MSR DAIFClr, #imm: 1101 0101 0000 0011 0100 imm 111 11111.
    if ((insn & 0xfffff0ff) == 0xd50340ff)
        return MaintenanceInsn{MaintenanceInsn::DaifClear, insn, {}, static_cast<uint8_t>((insn >> 8) & 0xf)};
    // MSR DAIF, Xt: op0 3, op1 3, CRn 4, CRm 2, op2 1.
    if ((insn & 0xffffffe0) == 0xd51b4220)
        return MaintenanceInsn{MaintenanceInsn::DaifWrite, insn, {}, 0, 0, static_cast<uint8_t>(insn & 0x1f)};
    if (regime_register(insn)) return MaintenanceInsn{MaintenanceInsn::RegimeWrite, insn, {}};
    // MRS Xt, TTBR0_EL1: op0 3, op1 0, CRn 2, CRm 0, op2 0, L 1.
    if ((insn & 0xffffffe0) == 0xd5382000)
        return MaintenanceInsn{MaintenanceInsn::Ttbr0Read, insn, {}, 0, 0, static_cast<uint8_t>(insn & 0x1f)};
    return std::nullopt;
}

const char* regime_register(uint32_t insn) {
    // MSR <sysreg>, Xt with op0 3, op1 0: 1101 0101 0001 1000 CRn CRm op2 Rt.
    switch (insn & 0xffffffe0) {
    case 0xd5182000: return "TTBR0_EL1";
    case 0xd5182020: return "TTBR1_EL1";
    case 0xd5182040: return "TCR_EL1";
    case 0xd518a200: return "MAIR_EL1";
    default: return nullptr;
    }
}

namespace {

// Sign-extends a VA whose top meaningful bit is `bit`.
uint64_t sign_extend(uint64_t va, unsigned bit) {
    return (va >> bit) & 1 ? va | ~((uint64_t{1} << (bit + 1)) - 1) : va;
}

}  // namespace

std::optional<lazymmu::Tlbi> decode_tlbi(const MaintenanceInsn& t, uint64_t xt, bool lpa2) {
    lazymmu::Tlbi op;
    // CRm: 1 outer-shareable, 2/5/6 range (IS/OS/local), 3 inner-shareable, 7 local.
    const bool range = t.crm == 2 || t.crm == 5 || t.crm == 6;
    op.broadcast = t.crm == 1 || t.crm == 2 || t.crm == 3 || t.crm == 5;
    // ASID in Xt[63:48] for the forms that name one (op2 1, 2, 5: VAE1, ASIDE1, VALE1 and their range forms).
    if (t.op2 == 1 || t.op2 == 2 || t.op2 == 5) op.asid = static_cast<int32_t>(xt >> 48);
    if (!range) {
        switch (t.op2) {
        case 0: op.all = true; return op;                // VMALLE1
        case 2: op.all = true; return op;                // ASIDE1: every non-global entry of one ASID
        case 1: case 3: break;                           // VAE1, VAAE1
        case 5: case 7: op.last_level = true; break;     // VALE1, VAALE1
        default: return std::nullopt;
        }
        // VA[55:12] in Xt[43:0].
        op.va = pgtable::VirtAddr{sign_extend((xt & ((uint64_t{1} << 44) - 1)) << 12, 55)};
        // TTL[3:2] the granule (0: no hint, 1: 4 KiB), TTL[1:0] the level.
        const uint64_t ttl = (xt >> 44) & 0xf;
        op.ttl = static_cast<uint8_t>(ttl);
        if (ttl >> 2 > 1) op.wrong_granule = true;
        else if (ttl >> 2 == 1 && ((ttl & 3) != 0 || lpa2)) op.level_hint = static_cast<int>(ttl & 3);
        return op;
    }
    // RVAE1, RVAAE1, RVALE1, RVAALE1 (4 KiB granule): BaseADDR = VA[48:12] in
    // Xt[36:0], NUM in [43:39], SCALE in [45:44]; (NUM+1) << (5*SCALE+1) pages.
    if (t.op2 != 1 && t.op2 != 3 && t.op2 != 5 && t.op2 != 7) return std::nullopt;
    op.last_level = t.op2 == 5 || t.op2 == 7;
    op.va = pgtable::VirtAddr{sign_extend((xt & ((uint64_t{1} << 37) - 1)) << 12, 48)};
    const uint64_t num = (xt >> 39) & 0x1f, scale = (xt >> 44) & 3;
    op.pages = (num + 1) << (5 * scale + 1);
    op.ttl = static_cast<uint8_t>((((xt >> 46) & 3) << 2) | ((xt >> 37) & 3));
    if (((xt >> 46) & 3) != 1) op.wrong_granule = true;  // TG: 0 is reserved, 2 and 3 are 16/64 KiB
    if (const uint64_t ttl = (xt >> 37) & 3) op.level_hint = static_cast<int>(ttl);
    return op;
}

}  // namespace lmemu::emu
