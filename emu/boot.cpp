// Booting the machine: guest RAM, the boot page tables, the kernel image with
// its barriers rewritten, and one Unicorn engine per CPU.
#include "emu/machine_impl.h"

#include <sys/mman.h>

namespace lmemu::emu {

namespace {

constexpr uint32_t kHvcRewritten = 0xd4000002u | (LMEMU_HVC_REWRITTEN << 5);

// VA windows Unicorn 2.0.1 must also find in its region list (it looks the
// virtual address up before translating). Backed by one never-touched
// reservation; the data lives at the physical addresses. The user window
// lies below every physical address the machine has.
struct VaWindow {
    uint64_t start, size;
};
constexpr VaWindow kVaWindows[] = {
    {LMEMU_PAGE_OFFSET, LMEMU_PHYS_END - LMEMU_PHYS_OFFSET},
    {LMEMU_KIMAGE_VADDR, LMEMU_KIMAGE_MAX},
    {LMEMU_VMALLOC_START, LMEMU_VMALLOC_SIZE},
    {LMEMU_USER_START, LMEMU_USER_END - LMEMU_USER_START},
};

void* va_reservation() {
    static void* r = mmap(nullptr, LMEMU_VMALLOC_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) throw UnicornError("mmap of the VA window reservation failed");
    return r;
}

}  // namespace

Machine::Impl::Impl(const ElfImage& image, MachineConfig config, bool keep_booted)
    : image_(image),
      config_(config),
      pool_(PhysAddr{LMEMU_PHYS_OFFSET}, LMEMU_POOL_SIZE),
      model_(pool_, config.cpus, config.arch_features),
      xen_(config.cpus),
      ram_alloc_(LMEMU_RAM_PHYS >> 12, LMEMU_RAM_SIZE >> 12),
      pool_alloc_(LMEMU_PHYS_OFFSET >> 12, LMEMU_POOL_SIZE >> 12) {
    if (config_.cpus < 1 || config_.cpus > LMEMU_MAX_CPUS)
        throw UnicornError(fmt::format("{} CPUs asked for; the machine has 1 to {}", config_.cpus, LMEMU_MAX_CPUS));
    void* ram = mmap(nullptr, LMEMU_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (ram == MAP_FAILED) throw UnicornError("mmap of guest RAM failed");
    ram_.reset(static_cast<uint8_t*>(ram));
    for (int i = 0; i < config_.cpus; ++i) cpus_.push_back(std::make_unique<Cpu>(i));
    pool_alloc_.release_range(LMEMU_PHYS_OFFSET >> 12, LMEMU_POOL_SIZE >> 12);
    if (const auto layout = lazymmu::cpu_lazy_layout(config_.arch))
        if (const auto va = image_.symbol(layout->symbol))
            cpu_lazy_ = CpuLazy{*layout, *va, image_.symbol_at(*va)->size / LMEMU_MAX_CPUS};
    boot();
    boot_to_snapshot(keep_booted);
}

uint64_t Machine::Impl::new_table() {
    const auto pfn = pool_alloc_.alloc(0, allocator::PageState::PageTable);
    if (!pfn) throw UnicornError("page-table pool exhausted while building the boot tables");
    model_.forget_frame(PhysAddr{*pfn << 12});
    return *pfn << 12;
}

size_t Machine::Impl::map_page(uint64_t va, uint64_t pa, uint64_t prot) { return map_leaf(va, pa, prot, 3); }

size_t Machine::Impl::map_leaf(uint64_t va, uint64_t pa, uint64_t prot, int leaf_level) {
    uint64_t table = pgd_;
    const VirtAddr v{va};
    for (int level = 0; level < leaf_level; ++level) {
        const size_t e = pool_.index_of(PhysAddr{table + 8 * v.index(level)});
        Pte pte{pool_.cpu(e)};
        if (!pte.valid()) {
            const uint64_t next = new_table();
            auto& info = pool_.frame(PhysAddr{next});
            info.level = level + 1;
            info.va_base = VirtAddr{va & ~(pgtable::level_span(level) - 1)};
            pte = Pte::table(PhysAddr{next});
            pool_.set_both(e, pte.raw());
        }
        table = pte.output_address().value;
    }
    const size_t leaf = pool_.index_of(PhysAddr{table + 8 * v.index(leaf_level)});
    pool_.set_both(leaf, (leaf_level == 3 ? Pte::page(PhysAddr{pa}, prot) : Pte::block(PhysAddr{pa}, prot)).raw());
    return leaf;
}

// The linear map as arm64's map_mem() builds it. Pages where a page's
// permissions must be changeable and a block cannot be split live
// (force_pte_mapping(), v6.18: DEBUG_PAGEALLOC, or rodata=full without
// BBML2); otherwise the largest blocks that fit, contiguous where sixteen
// of them do (alloc_init_cont_pmd()). With DEBUG_PAGEALLOC free frames are
// mapped with PTE_VALID clear, as Linux leaves them after
// debug_pagealloc_unmap_pages().
void Machine::Impl::map_linear() {
    const bool pte_mapped = config_.debug_pagealloc || (config_.rodata_full && !config_.arch_features.bbml2);
    const uint64_t cont_span = 16 * pgtable::level_span(2);
    auto fits = [](uint64_t pa, uint64_t span) { return pa % span == 0 && pa + span <= LMEMU_PHYS_END; };
    for (uint64_t pa = LMEMU_PHYS_OFFSET; pa < LMEMU_PHYS_END;) {
        const uint64_t va = LMEMU_PAGE_OFFSET + (pa - LMEMU_PHYS_OFFSET);
        int level = 3;
        if (!pte_mapped) level = fits(pa, pgtable::level_span(1)) ? 1 : fits(pa, pgtable::level_span(2)) ? 2 : 3;
        uint64_t prot = pgtable::prot::kKernel;
        if (level == 2 && fits(pa & ~(cont_span - 1), cont_span)) prot |= pgtable::field::kContiguous;
        const size_t e = map_leaf(va, pa, prot, level);
        if (config_.debug_pagealloc && in_ram(pa) && ram_alloc_.state(pa >> 12) == allocator::PageState::Free)
            pool_.set_both(e, pool_.cpu(e) & ~pgtable::field::kValid);
        pa += pgtable::level_span(level);
    }
}

uint64_t Machine::Impl::alloc_frame() {
    const auto pfn = ram_alloc_.alloc(0);
    if (!pfn) throw UnicornError("guest RAM exhausted");
    std::memset(ram_ptr(*pfn << 12), 0, kPage);
    return *pfn << 12;
}

void Machine::Impl::load_image() {
    for (const auto& seg : image_.segments()) {
        uint8_t* dst = ram_ptr(LMEMU_KIMAGE_PHYS + (seg.vaddr - LMEMU_KIMAGE_VADDR));
        std::memcpy(dst, seg.data.data(), seg.data.size());
        if (seg.exec) {
            const uint64_t end = std::max(text_start_ + text_size_, seg.vaddr + seg.data.size());
            text_start_ = text_size_ ? std::min(text_start_, seg.vaddr) : seg.vaddr;
            text_size_ = end - text_start_;
            // Barriers and TLBIs become hypercalls so the model sees every one,
            // whoever wrote them (C, asm, a case's own inline asm). Unobserved,
            // they run natively; DAIF writes and spin hints are still the host's.
            for (size_t off = 0; off + 4 <= seg.data.size(); off += 4) {
                uint32_t insn;
                std::memcpy(&insn, dst + off, 4);
                auto r = decode_maintenance(insn);
                if (r && !config_.observe && (r->kind == MaintenanceInsn::Barrier || r->kind == MaintenanceInsn::Tlbi))
                    r.reset();
                if (r) {
                    rewritten_.emplace(seg.vaddr + off, *r);
                    std::memcpy(dst + off, &kHvcRewritten, 4);
                }
            }
        }
        const uint64_t prot = seg.exec ? pgtable::prot::kKernelROX
                              : seg.write ? pgtable::prot::kKernel
                                          : pgtable::prot::kKernelRO;
        for (uint64_t va = seg.vaddr & ~(kPage - 1); va < seg.vaddr + seg.data.size(); va += kPage)
            map_page(va, LMEMU_KIMAGE_PHYS + (va - LMEMU_KIMAGE_VADDR), prot);
    }
}

void Machine::Impl::boot() {
    pgd_ = new_table();
    // The guest finds swapper_pg_dir there (mm/init-mm.c).
    if (pgd_ != LMEMU_SWAPPER_PGD_PHYS) throw UnicornError("BUG: the pgd is not the first pool frame");
    pool_.frame(PhysAddr{pgd_}).level = 0;
    pool_.frame(PhysAddr{pgd_}).va_base = VirtAddr{LMEMU_PAGE_OFFSET};

    load_image();
    const uint64_t memmap_bytes = ((LMEMU_PHYS_END - LMEMU_PHYS_OFFSET) >> 12) * LMEMU_STRUCT_PAGE_SIZE;
    const uint64_t first_free = (LMEMU_MEMMAP_PHYS + memmap_bytes + kPage - 1) & ~(kPage - 1);
    ram_alloc_.release_range(first_free >> 12, (LMEMU_PHYS_END - first_free) >> 12);

    map_linear();
    // A stack per CPU, each with an unmapped guard page below it.
    for (int c = 0; c < config_.cpus; ++c)
        for (uint64_t va = stack_top(c) - LMEMU_STACK_SIZE; va < stack_top(c); va += kPage)
            map_page(va, alloc_frame(), pgtable::prot::kKernel);

    // Where an IRQ is taken (injections, IPIs); a kernel without one takes none.
    if (const auto vector = image_.symbol("el1h_64_irq")) irq_vector_ = *vector;
    const auto nr_cpu_ids = image_.symbol("nr_cpu_ids");
    if (!nr_cpu_ids) throw UnicornError("the kernel image has no nr_cpu_ids symbol");
    write_virt(*nr_cpu_ids, static_cast<uint64_t>(config_.cpus), 4);  // unsigned int
    stack_mapped_.assign(LMEMU_MAX_TASKS, false);
    const auto tasks = image_.symbol("cpu_tasks");
    if (!tasks) throw UnicornError("the kernel image has no cpu_tasks symbol");
    for (auto& c : cpus_) setup_engine(*c, read_virt(*tasks + 8 * static_cast<uint64_t>(c->id), 8).value_or(0));
    auto& boot_cpu = cpus_[0]->uc;
    boot_cpu.set_reg(UC_ARM64_REG_PC, image_.entry());
    boot_cpu.set_reg(UC_ARM64_REG_SP, stack_top(0));
    cpus_[0]->started = true;
}

Machine::Impl::Cpu::~Cpu() {
    if (smp_saved) uc_context_free(smp_saved);
}

void Machine::Impl::setup_engine(Cpu& c, uint64_t task) {
    Unicorn& u = c.uc;
    u.map_ptr(LMEMU_RAM_PHYS, LMEMU_RAM_SIZE, ram_.get());
    if (config_.observe) {
        u.map_mmio(LMEMU_PHYS_OFFSET, LMEMU_POOL_SIZE, pool_read, pool_write, this);
        u.map_mmio(LMEMU_WALK_ALIAS, LMEMU_POOL_SIZE, walk_read, nullptr, this);
    } else {
        u.map_mmio(LMEMU_PHYS_OFFSET, LMEMU_POOL_SIZE, pool_read, pool_write_unobserved, this);
    }
    for (const auto& w : kVaWindows) u.map_ptr(w.start, w.size, va_reservation());

    using namespace sysreg;
    // Unicorn 2.0.1 resets SCR_EL3.RW=0 (AArch32 walks) and needs HCE for hvc.
    u.set_sysreg(kSCR_EL3, (1u << 0) | (1u << 8) | (1u << 10));
    u.set_sysreg(kHCR_EL2, uint64_t{1} << 31);
    u.set_sysreg(kMAIR_EL1, pgtable::kMairValue);
    const uint64_t tcr = 16                      // T0SZ
                         | kTcrEpd0              // no user tree until switch_mm() loads one (mm.cpp)
                         | (uint64_t{1} << 8) | (uint64_t{1} << 10) | (uint64_t{3} << 12)  // TTBR0 walks: WB WA, inner shareable; TG0 = 4 KiB
                         | (uint64_t{16} << 16)  // T1SZ: 48-bit kernel VA
                         | (uint64_t{1} << 24) | (uint64_t{1} << 26) | (uint64_t{3} << 28)  // WB WA, inner shareable
                         | (uint64_t{2} << 30)   // TG1 = 4 KiB
                         | (uint64_t{2} << 32);  // IPS = 40 bits
    u.set_sysreg(kTCR_EL1, tcr);
    u.set_sysreg(kTTBR1_EL1, config_.observe ? ttbr1().value : pgd_);
    u.set_sysreg(kSCTLR_EL1, (1u << 0) | (1u << 2) | (1u << 12));  // M, C, I

    u.set_reg(UC_ARM64_REG_SP_EL0, task);  // `current`, as arm64 Linux keeps it: cpu_tasks[cpu]
    u.set_reg(UC_ARM64_REG_TPIDR_EL1, static_cast<uint64_t>(c.id));  // smp_processor_id() (linux/smp.h)
    u.set_reg(UC_ARM64_REG_X29, 0);
    u.set_reg(UC_ARM64_REG_X30, 0);
    // Unicorn resets with DAIF masked; the kernel runs with interrupts on.
    u.set_reg(UC_ARM64_REG_PSTATE, u.reg(UC_ARM64_REG_PSTATE) & ~kDaifAll);
    u.add_hook(UC_HOOK_INTR, reinterpret_cast<void*>(on_interrupt), this);
    u.add_hook(UC_HOOK_BLOCK, reinterpret_cast<void*>(on_block), this);
    u.add_hook(UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED,
               reinterpret_cast<void*>(on_unmapped), this);
    if (config_.cpus > 1) hook_atomics(c);
}

}  // namespace lmemu::emu
