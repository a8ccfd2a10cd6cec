// The page-table pool's Unicorn callbacks: guest loads and stores of entries
// (the CPU view) and the walker's descriptor fetches through the walk alias.
#include "emu/machine_impl.h"

namespace lmemu::emu {

// ---- page-table pool ----------------------------------------------------------

uint64_t Machine::Impl::pool_read(uc_engine*, uint64_t offset, unsigned size, void* self) {
    return static_cast<Impl*>(self)->pool_.read_bytes(offset, size);
}

// Inside an MMIO callback the PC is the start of the translation block; the
// registers are current. The store is the instruction in that block whose
// address, computed now, is the entry.
lazymmu::Origin Machine::Impl::store_origin(uint64_t entry_pa) {
    const uint64_t tb = uc().reg(UC_ARM64_REG_PC);
    uint64_t pc = tb;
    const RegisterFile regs = registers();
    for (uint64_t at = tb; at < tb + 4 * 512; at += 4) {
        const uint32_t insn = code_at(at);
        if (auto a = dis_.access(insn, at, regs); a && a->type == AccessType::Write) {
            const auto pa = translate(a->va);
            if (pa && *pa <= entry_pa && entry_pa < *pa + a->size) {
                pc = at;
                break;
            }
        }
        // A translation block ends at the first branch or exception: B/BL, BR/BLR/RET,
        // CBZ/CBNZ, TBZ/TBNZ, B.cond, SVC/HVC/BRK.
        const bool branch = (insn & 0x7c000000) == 0x14000000 || (insn & 0xfe000000) == 0xd6000000 ||
                            (insn & 0x7c000000) == 0x34000000 || (insn & 0xff000010) == 0x54000000 ||
                            (insn & 0xff000000) == 0xd4000000;
        if (branch) break;
    }
    return {pc, raw_backtrace(pc, uc().x(30), uc().x(29))};
}

void Machine::Impl::pool_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        const size_t index = offset / 8;
        if (m->store_ && m->store_->index != index) m->commit_store();
        if (!m->store_) {
            // Unicorn may hold translations through this entry; they must not outlive the store.
            if (m->model_.shown_valid(index))
                for (auto& c : m->cpus_) c->uc.flush_tlb();
            m->store_ = StoreInProgress{index, m->pool_.cpu(index), m->store_origin(LMEMU_PHYS_OFFSET + offset)};
        }
        m->pool_.write_bytes(offset, size, value);
        if ((offset + size) % 8 == 0) m->commit_store();
    });
}

void Machine::Impl::commit_store() {
    if (!store_) return;
    StoreInProgress s = std::move(*store_);
    store_.reset();
    if (pool_.cpu(s.index) == s.old_value) return;
    model_.on_store(running_, s.index, s.old_value, std::move(s.origin), lazy_state(running_));
    trace(TraceModule::PgTable, [&] {
        const auto& w = model_.writes().back();
        return fmt::format("pte-write #{} {:#x} {:#018x} -> {:#018x} at {}{}{}", w.seq, w.entry.value, w.old_value,
                           w.new_value, image_.symbolize(w.origin.pc), cpu_tag(), w.lazy.lazy() ? " [lazy]" : "");
    });
}

uint64_t Machine::Impl::walk_read(uc_engine*, uint64_t offset, unsigned size, void* self) {
    auto* m = static_cast<Impl*>(self);
    uint64_t v = 0;  // an invalid descriptor if anything goes wrong
    m->guard([&] {
        m->commit_store();
        v = m->model_.walker_answer(m->running_, offset / 8);
    });
    if (size == 8) return v;
    return (v >> (8 * (offset % 8))) & ((uint64_t{1} << (8 * size)) - 1);
}

}  // namespace lmemu::emu
