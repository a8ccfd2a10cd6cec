#include "emu/machine.h"

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fmt/format.h>
#include <unordered_map>

#include "allocator/buddy.h"
#include "emu/maintenance.h"
#include "emu/unicorn.h"
#include "kernel/include/lmemu/machine.h"
#include "pgtable/ptdump.h"
#include "pgtable/table_pool.h"
#include "pgtable/walker.h"

namespace lmemu::emu {

using lazymmu::Hazard;
using lazymmu::Verdict;
using pgtable::PhysAddr;
using pgtable::Pte;
using pgtable::VirtAddr;

namespace {

constexpr uint64_t kPage = pgtable::kPageSize;

// TTBR1 translates only the top 256 TiB; TTBR0 walks are disabled (no user space).
constexpr bool kernel_va(uint64_t va) { return (va >> 48) == 0xffff; }
constexpr uint32_t kHvcRewritten = 0xd4000002u | (LMEMU_HVC_REWRITTEN << 5);

// Kernel VA windows Unicorn 2.0.1 must also find in its region list (it looks
// the virtual address up before translating). Backed by one never-touched
// reservation; the data lives at the physical addresses.
struct VaWindow {
    uint64_t start, size;
};
constexpr VaWindow kVaWindows[] = {
    {LMEMU_PAGE_OFFSET, LMEMU_PHYS_END - LMEMU_PHYS_OFFSET},
    {LMEMU_KIMAGE_VADDR, LMEMU_KIMAGE_MAX},
    {LMEMU_VMALLOC_START, LMEMU_VMALLOC_SIZE},
};

void* va_reservation() {
    static void* r = mmap(nullptr, LMEMU_VMALLOC_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (r == MAP_FAILED) throw UnicornError("mmap of the VA window reservation failed");
    return r;
}

}  // namespace

std::optional<TraceModules> TraceModules::parse(std::string_view spec) {
    static constexpr std::pair<std::string_view, TraceModule> kNames[] = {
        {"pgtable", TraceModule::PgTable}, {"barrier", TraceModule::Barrier}, {"lazymmu", TraceModule::LazyMmu},
        {"alloc", TraceModule::Alloc},     {"console", TraceModule::Console},
    };
    TraceModules t;
    while (!spec.empty()) {
        const auto comma = spec.find(',');
        const std::string_view name = spec.substr(0, comma);
        spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
        if (name == "all") {
            t.mask = ~0u;
            continue;
        }
        const auto it = std::find_if(std::begin(kNames), std::end(kNames), [&](const auto& n) { return n.first == name; });
        if (it == std::end(kNames)) return std::nullopt;
        t.mask |= static_cast<unsigned>(it->second);
    }
    return t;
}

class Machine::Impl {
public:
    Impl(const ElfImage& image, MachineConfig config);
    RunResult run();
    std::string ptdump() const;
    std::optional<uint64_t> translate(uint64_t va) const;
    std::optional<uint64_t> read_virt(uint64_t va, unsigned size) const;
    bool write_virt(uint64_t va, uint64_t value);
    // Returns the pool index of the PTE it wrote.
    size_t map_page(uint64_t va, uint64_t pa, uint64_t prot);
    uint64_t alloc_frame();

private:
    // Unicorn callbacks.
    static uint64_t pool_read(uc_engine*, uint64_t offset, unsigned size, void* self);
    static void pool_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self);
    static uint64_t walk_read(uc_engine*, uint64_t offset, unsigned size, void* self);
    static void on_interrupt(uc_engine*, uint32_t intno, void* self);
    static bool on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);

    // One engine per CPU; only cpus_[running_] executes at any time.
    struct Cpu {
        Cpu(int id, lazymmu::Policy policy) : id(id), nesting(policy) {}
        int id;
        Unicorn uc;
        uint64_t task = 0;  // its `current` (SP_EL0)
        lazymmu::NestingTracker nesting;  // lazy MMU state is per task
    };
    Cpu& cpu() { return *cpus_[running_]; }
    Unicorn& uc() { return cpus_[running_]->uc; }
    static uint64_t stack_top(int cpu) { return LMEMU_STACK_TOP - static_cast<uint64_t>(cpu) * LMEMU_STACK_STRIDE; }

    void boot();
    void setup_engine(Cpu& c);
    void smp_call(uint64_t target, uint64_t func, uint64_t info);
    void smp_return();
    void load_image();
    uint64_t new_table();
    uint64_t root() const { return pgd_; }
    PhysAddr ttbr1() const { return PhysAddr{pgd_ - LMEMU_PHYS_OFFSET + LMEMU_WALK_ALIAS}; }

    // Guest memory by physical address: RAM or the CPU view of the pool.
    std::optional<uint64_t> read_phys(uint64_t pa, unsigned size) const;
    uint8_t* ram_ptr(uint64_t pa) const { return ram_.get() + (pa - LMEMU_RAM_PHYS); }
    bool in_ram(uint64_t pa, uint64_t len = 1) const {
        return pa >= LMEMU_RAM_PHYS && pa + len <= LMEMU_PHYS_END && pa + len >= pa;
    }
    std::optional<std::string> read_string(uint64_t va, uint64_t max_len) const;

    void commit_store();
    lazymmu::Origin store_origin(uint64_t entry_pa);
    lazymmu::LazyState lazy_state(int cpu) const;
    std::vector<uint64_t> raw_backtrace(uint64_t pc, uint64_t lr, uint64_t fp) const;
    std::vector<Location> symbolize(const std::vector<uint64_t>& addrs) const;
    Location locate(uint64_t pc) const { return {pc, image_.symbolize(pc)}; }
    uint32_t code_at(uint64_t pc) const;
    // The running CPU's registers, as the decoder wants them (31 = sp).
    RegisterFile registers() {
        return [this](unsigned xn) { return xn == 31 ? uc().reg(UC_ARM64_REG_SP) : uc().x(xn); };
    }
    // An ordinary fault on an address no page table maps.
    void kernel_fault(const AccessInfo& a, std::string why);

    // Unicorn callbacks run their bodies through guard(): an exception must
    // never unwind through Unicorn's C frames, so it ends the run instead.
    template <class F>
    void guard(F&& body) noexcept;
    void hypercall(uint16_t nr);
    void rewritten(uint64_t pc);
    void fault(uint32_t intno);
    void end(Verdict v, Incident incident);
    // An incident where the guest is: at the hypercall being handled, if any
    // (after `hvc` the PC may be past the end of a noreturn function), else at the PC.
    Incident incident_here(std::string message);
    std::string page_info(uint64_t va) const;
    // "; open sections entered at f+0x10, g+0x20", or nothing when none is open on `cpu`.
    std::string open_sections(int cpu) const;
    // A lazy-leak incident if the task on `cpu` is still in lazy MMU mode.
    std::optional<Incident> lazy_leak(int cpu, const char* when);
    // Formats the line only if its module is traced: these calls sit on hot paths.
    template <class MakeLine>
    void trace(TraceModule module, MakeLine&& make_line) {
        if (config_.trace.has(module)) result_.trace.push_back(make_line());
    }
    // " on CPU n" when the machine has more than one, for trace lines.
    std::string cpu_tag() const { return config_.cpus > 1 ? fmt::format(" on CPU {}", running_) : std::string{}; }

    const ElfImage& image_;
    MachineConfig config_;
    Disassembler dis_;
    struct Unmap {
        void operator()(uint8_t* p) const { munmap(p, LMEMU_RAM_SIZE); }
    };
    std::unique_ptr<uint8_t, Unmap> ram_;  // declared before cpus_, so it outlives the engines mapping it
    pgtable::TablePool pool_;
    lazymmu::Arm64Model model_;
    allocator::BuddyAllocator ram_alloc_;
    allocator::BuddyAllocator pool_alloc_;
    std::unordered_map<uint64_t, MaintenanceInsn> rewritten_;
    uint64_t pgd_ = 0;
    std::vector<std::unique_ptr<Cpu>> cpus_;
    int running_ = 0;
    int switch_to_ = -1;        // set by SMP_CALL/SMP_RETURN: the CPU to run next
    std::vector<int> waiting_;  // CPUs blocked in smp_call_function_single(), outermost first

    // A page-table store in progress (MMIO delivers up to 4 bytes at a time).
    struct StoreInProgress {
        size_t index;
        uint64_t old_value;
        lazymmu::Origin origin;
    };
    std::optional<StoreInProgress> store_;

    RunResult result_;
    bool ended_ = false;
    uint64_t hvc_pc_ = 0;  // the hvc being handled, 0 outside hypercalls
};

Machine::Impl::Impl(const ElfImage& image, MachineConfig config)
    : image_(image),
      config_(config),
      pool_(PhysAddr{LMEMU_PHYS_OFFSET}, LMEMU_POOL_SIZE),
      model_(pool_, config.cpus),
      ram_alloc_(LMEMU_RAM_PHYS >> 12, LMEMU_RAM_SIZE >> 12),
      pool_alloc_(LMEMU_PHYS_OFFSET >> 12, LMEMU_POOL_SIZE >> 12) {
    if (config_.cpus < 1 || config_.cpus > LMEMU_MAX_CPUS)
        throw UnicornError(fmt::format("{} CPUs asked for; the machine has 1 to {}", config_.cpus, LMEMU_MAX_CPUS));
    void* ram = mmap(nullptr, LMEMU_RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                     -1, 0);
    if (ram == MAP_FAILED) throw UnicornError("mmap of guest RAM failed");
    ram_.reset(static_cast<uint8_t*>(ram));
    for (int i = 0; i < config_.cpus; ++i) cpus_.push_back(std::make_unique<Cpu>(i, config_.policy));
    pool_alloc_.release_range(LMEMU_PHYS_OFFSET >> 12, LMEMU_POOL_SIZE >> 12);
    boot();
}

uint64_t Machine::Impl::new_table() {
    const auto pfn = pool_alloc_.alloc(0, allocator::PageState::PageTable);
    if (!pfn) throw UnicornError("page-table pool exhausted while building the boot tables");
    model_.forget_frame(PhysAddr{*pfn << 12});
    return *pfn << 12;
}

size_t Machine::Impl::map_page(uint64_t va, uint64_t pa, uint64_t prot) {
    uint64_t table = pgd_;
    const VirtAddr v{va};
    for (int level = 0; level < 3; ++level) {
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
    const size_t leaf = pool_.index_of(PhysAddr{table + 8 * v.index(3)});
    pool_.set_both(leaf, Pte::page(PhysAddr{pa}, prot).raw());
    return leaf;
}

uint64_t Machine::Impl::alloc_frame() {
    const auto pfn = ram_alloc_.alloc(0);
    if (!pfn) throw UnicornError("guest RAM exhausted");
    std::memset(ram_ptr(*pfn << 12), 0, kPage);
    return *pfn << 12;
}

void Machine::Impl::load_image() {
    for (const auto& seg : image_.segments()) {
        if (seg.vaddr < LMEMU_KIMAGE_VADDR || seg.vaddr + seg.data.size() > LMEMU_KIMAGE_VADDR + LMEMU_KIMAGE_MAX)
            throw UnicornError(fmt::format("kernel segment at {:#x} is outside the image window", seg.vaddr));
        uint8_t* dst = ram_ptr(LMEMU_KIMAGE_PHYS + (seg.vaddr - LMEMU_KIMAGE_VADDR));
        std::memcpy(dst, seg.data.data(), seg.data.size());
        if (seg.exec) {
            // Barriers and TLBIs become hypercalls so the model sees every one,
            // whoever wrote them (C, asm, a case's own inline asm).
            for (size_t off = 0; off + 4 <= seg.data.size(); off += 4) {
                uint32_t insn;
                std::memcpy(&insn, dst + off, 4);
                if (auto r = decode_maintenance(insn)) {
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

    // The linear map, 4 KiB pages throughout as with DEBUG_PAGEALLOC or rodata=full.
    // With DEBUG_PAGEALLOC free frames are mapped with PTE_VALID clear, as
    // Linux leaves them after debug_pagealloc_unmap_pages().
    for (uint64_t pa = LMEMU_PHYS_OFFSET; pa < LMEMU_PHYS_END; pa += kPage) {
        const size_t e = map_page(LMEMU_PAGE_OFFSET + (pa - LMEMU_PHYS_OFFSET), pa, pgtable::prot::kKernel);
        if (config_.debug_pagealloc && in_ram(pa) && ram_alloc_.state(pa >> 12) == allocator::PageState::Free)
            pool_.set_both(e, pool_.cpu(e) & ~pgtable::field::kValid);
    }
    // A stack per CPU, each with an unmapped guard page below it.
    for (int c = 0; c < config_.cpus; ++c)
        for (uint64_t va = stack_top(c) - LMEMU_STACK_SIZE; va < stack_top(c); va += kPage)
            map_page(va, alloc_frame(), pgtable::prot::kKernel);

    const auto tasks = image_.symbol("cpu_tasks");
    const auto nr_cpu_ids = image_.symbol("nr_cpu_ids");
    if (!tasks || !nr_cpu_ids) throw UnicornError("the kernel image has no cpu_tasks/nr_cpu_ids symbols");
    write_virt(*nr_cpu_ids, static_cast<uint64_t>(config_.cpus));
    for (auto& c : cpus_) {
        c->task = read_virt(*tasks + 8 * static_cast<uint64_t>(c->id), 8).value_or(0);
        setup_engine(*c);
    }
    auto& boot_cpu = cpus_[0]->uc;
    boot_cpu.set_reg(UC_ARM64_REG_PC, image_.entry());
    boot_cpu.set_reg(UC_ARM64_REG_SP, stack_top(0));
}

void Machine::Impl::setup_engine(Cpu& c) {
    Unicorn& u = c.uc;
    u.map_ptr(LMEMU_RAM_PHYS, LMEMU_RAM_SIZE, ram_.get());
    u.map_mmio(LMEMU_PHYS_OFFSET, LMEMU_POOL_SIZE, pool_read, pool_write, this);
    u.map_mmio(LMEMU_WALK_ALIAS, LMEMU_POOL_SIZE, walk_read, nullptr, this);
    for (const auto& w : kVaWindows) u.map_ptr(w.start, w.size, va_reservation());

    using namespace sysreg;
    // Unicorn 2.0.1 resets SCR_EL3.RW=0 (AArch32 walks) and needs HCE for hvc.
    u.set_sysreg(kSCR_EL3, (1u << 0) | (1u << 8) | (1u << 10));
    u.set_sysreg(kHCR_EL2, uint64_t{1} << 31);
    u.set_sysreg(kMAIR_EL1, pgtable::kMairValue);
    const uint64_t tcr = 16                      // T0SZ
                         | (uint64_t{1} << 7)    // EPD0: no TTBR0 walks, there is no user space
                         | (uint64_t{16} << 16)  // T1SZ: 48-bit kernel VA
                         | (uint64_t{1} << 24) | (uint64_t{1} << 26) | (uint64_t{3} << 28)  // WB WA, inner shareable
                         | (uint64_t{2} << 30)   // TG1 = 4 KiB
                         | (uint64_t{2} << 32);  // IPS = 40 bits
    u.set_sysreg(kTCR_EL1, tcr);
    u.set_sysreg(kTTBR1_EL1, ttbr1().value);
    u.set_sysreg(kSCTLR_EL1, (1u << 0) | (1u << 2) | (1u << 12));  // M, C, I

    u.set_reg(UC_ARM64_REG_SP_EL0, c.task);  // `current`, as arm64 Linux keeps it
    u.set_reg(UC_ARM64_REG_X29, 0);
    u.set_reg(UC_ARM64_REG_X30, 0);
    u.add_hook(UC_HOOK_INTR, reinterpret_cast<void*>(on_interrupt), this);
    u.add_hook(UC_HOOK_MEM_READ_UNMAPPED | UC_HOOK_MEM_WRITE_UNMAPPED | UC_HOOK_MEM_FETCH_UNMAPPED,
               reinterpret_cast<void*>(on_unmapped), this);
}

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

bool Machine::Impl::write_virt(uint64_t va, uint64_t value) {
    const auto pa = (va & 7) == 0 ? translate(va) : std::nullopt;
    if (!pa || !in_ram(*pa, 8)) return false;
    std::memcpy(ram_ptr(*pa), &value, 8);
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
    for (uint64_t a : addrs) out.push_back(locate(a));
    return out;
}

lazymmu::LazyState Machine::Impl::lazy_state(int cpu) const {
    const Cpu& c = *cpus_[cpu];
    lazymmu::LazyState s;
    s.thread_flags = read_virt(c.task, 8).value_or(0);  // thread_info is first in task_struct
    s.depth = c.nesting.depth();
    s.paused = c.nesting.paused();
    s.pending_writes = model_.pending_writes(cpu);
    return s;
}

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

template <class F>
void Machine::Impl::guard(F&& body) noexcept {
    try {
        body();
    } catch (const std::exception& e) {
        hvc_pc_ = 0;
        store_.reset();
        result_.verdict = Verdict::GuestFault;
        result_.incident = Incident{.message = fmt::format("lmemu internal error: {}", e.what())};
        ended_ = true;
        uc_emu_stop(uc().raw());
    }
}

// ---- exceptions ----------------------------------------------------------------

void Machine::Impl::end(Verdict v, Incident incident) {
    commit_store();
    result_.verdict = v;
    incident.lazy = lazy_state(running_);
    result_.incident = std::move(incident);
    ended_ = true;
    uc().stop();
}

Incident Machine::Impl::incident_here(std::string message) {
    Incident i;
    i.message = std::move(message);
    i.cpu = running_;
    const uint64_t pc = hvc_pc_ ? hvc_pc_ : uc().reg(UC_ARM64_REG_PC);
    i.backtrace = symbolize(raw_backtrace(pc, uc().x(30), uc().x(29)));
    return i;
}

std::string Machine::Impl::open_sections(int cpu) const {
    std::vector<std::string> where;
    for (uint64_t pc : cpus_[cpu]->nesting.open_sections()) where.push_back(image_.symbolize(pc));
    if (where.empty()) return {};
    return fmt::format("; open section(s) entered at {}", fmt::join(where, ", "));
}

std::string Machine::Impl::page_info(uint64_t va) const {
    for (int c = 0; c < config_.cpus; ++c) {
        const uint64_t guard = stack_top(c) - LMEMU_STACK_SIZE - kPage;
        if (va >= guard && va < guard + kPage) return fmt::format("CPU {}'s stack guard page (stack overflow?)", c);
    }
    if (va < LMEMU_PAGE_OFFSET || va >= LMEMU_PAGE_OFFSET + (LMEMU_PHYS_END - LMEMU_PHYS_OFFSET)) return {};
    const uint64_t pa = va - LMEMU_PAGE_OFFSET + LMEMU_PHYS_OFFSET;
    const uint64_t pfn = pa >> 12;
    const auto& alloc = ram_alloc_.manages(pfn) ? ram_alloc_ : pool_alloc_;
    return fmt::format("linear map of pfn {:#x} (phys {:#x}), page {}", pfn, pa, allocator::to_string(alloc.state(pfn)));
}

void Machine::Impl::fault(uint32_t intno) {
    commit_store();
    const uint64_t pc = uc().reg(UC_ARM64_REG_PC);
    AccessInfo a;
    a.at = locate(pc);
    if (intno == 3) {
        a.va = pc;
        a.size = 4;
        a.type = AccessType::Fetch;
    } else {
        const uint32_t insn = code_at(pc);
        a.insn = dis_.text(insn, pc);
        const RegisterFile regs = registers();
        const auto acc = dis_.access(insn, pc, regs);
        if (!acc) {
            end(Verdict::GuestFault, incident_here(fmt::format("data abort at {} on an instruction lmemu cannot decode: {}",
                                                               a.at.where, a.insn)));
            return;
        }
        a.va = acc->va;
        a.size = acc->size;
        a.type = acc->type;
    }
    if (!kernel_va(a.va))
        return kernel_fault(a, "translation fault at level 0: a user-space address, and there is no user space");
    const auto cause = model_.classify(running_, PhysAddr{pgd_}, VirtAddr{a.va}, a.type == AccessType::Write);
    Incident i = incident_here(cause.why);
    i.hazard = cause.hazard;
    i.access = a;
    i.page = page_info(a.va);
    for (int l = 0; l < cause.cpu_walk.depth; ++l) {
        const auto& s = cause.cpu_walk.steps[l];
        static constexpr const char* kName[] = {"pgd", "pud", "pmd", "pte"};
        i.walk.push_back(fmt::format("{} @ {:#x}: {}", kName[s.level], s.entry.value, pgtable::describe(s.pte, s.level)));
    }
    if (cause.write) i.write = WriteInfo{*cause.write, symbolize(cause.write->origin.backtrace)};
    end(Verdict::Hazard, std::move(i));
}

bool Machine::Impl::on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        const uint64_t pc = m->uc().reg(UC_ARM64_REG_PC);
        AccessInfo a;
        a.va = address;
        a.size = static_cast<unsigned>(size);
        a.type = type == UC_MEM_WRITE_UNMAPPED ? AccessType::Write
                 : type == UC_MEM_FETCH_UNMAPPED ? AccessType::Fetch
                                                  : AccessType::Read;
        a.at = m->locate(pc);
        if (a.type != AccessType::Fetch) a.insn = m->dis_.text(m->code_at(pc), pc);
        // Outside every VA window: no page table can map it, so no hazard either.
        m->kernel_fault(a, "translation fault: the address is outside every kernel VA region");
    });
    return false;
}

void Machine::Impl::kernel_fault(const AccessInfo& a, std::string why) {
    Incident i = incident_here(std::move(why));
    i.hazard = Hazard::KernelFault;
    i.access = a;
    end(Verdict::Hazard, std::move(i));
}

void Machine::Impl::on_interrupt(uc_engine*, uint32_t intno, void* self) {
    auto* m = static_cast<Impl*>(self);
    m->guard([&] {
        switch (intno) {
        case 11: {  // HVC: PC is already past it
            const uint64_t pc = m->uc().reg(UC_ARM64_REG_PC) - 4;
            const uint32_t insn = static_cast<uint32_t>(m->read_virt(pc, 4).value_or(0));
            const uint16_t nr = (insn >> 5) & 0xffff;
            m->hvc_pc_ = pc;
            if (nr == LMEMU_HVC_REWRITTEN) m->rewritten(pc);
            else m->hypercall(nr);
            m->hvc_pc_ = 0;
            return;
        }
        case 3:
        case 4: m->fault(intno); return;
        case 1: {
            const uint64_t pc = m->uc().reg(UC_ARM64_REG_PC);
            m->end(Verdict::GuestFault, m->incident_here(fmt::format(
                                            "undefined instruction {:#010x} ({}) at {}", m->code_at(pc),
                                            m->dis_.text(m->code_at(pc), pc), m->image_.symbolize(pc))));
            return;
        }
        case 7:
            m->end(Verdict::GuestFault, m->incident_here("brk: software breakpoint hit in the guest"));
            return;
        default:
            m->end(Verdict::GuestFault, m->incident_here(fmt::format("unexpected exception (Unicorn intno {})", intno)));
            return;
        }
    });
}

void Machine::Impl::rewritten(uint64_t pc) {
    commit_store();
    const auto it = rewritten_.find(pc);
    if (it == rewritten_.end()) {
        end(Verdict::GuestFault, incident_here("hvc #0xffff is reserved for instructions lmemu rewrote"));
        return;
    }
    const MaintenanceInsn& r = it->second;
    if (r.kind == MaintenanceInsn::Barrier) {
        model_.on_barrier(running_, r.barrier);
        trace(TraceModule::Barrier,
              [&] { return fmt::format("{} at {}{}", dis_.text(r.insn, pc), image_.symbolize(pc), cpu_tag()); });
        return;
    }
    const uint64_t xt = r.rt == 31 ? 0 : uc().x(r.rt);
    if (auto t = decode_tlbi(r, xt)) model_.on_tlbi(running_, *t);
    trace(TraceModule::Barrier,
          [&] { return fmt::format("{} ({:#x}) at {}{}", dis_.text(r.insn, pc), xt, image_.symbolize(pc), cpu_tag()); });
}

void Machine::Impl::hypercall(uint16_t nr) {
    commit_store();
    const uint64_t x0 = uc().x(0), x1 = uc().x(1), x2 = uc().x(2);
    auto bad_pointer = [&](const char* call, uint64_t va) {
        end(Verdict::GuestFault, incident_here(fmt::format("hypercall {}: bad guest pointer {:#x}", call, va)));
    };
    switch (nr) {
    case LMEMU_HVC_EXIT: {
        if (auto leak = lazy_leak(running_, "scenario ended")) return end(Verdict::Hazard, std::move(*leak));
        result_.verdict = result_.warnings.empty() ? Verdict::Clean : Verdict::Warn;
        ended_ = true;
        uc().stop();
        return;
    }
    case LMEMU_HVC_SMP_CALL: return smp_call(x0, x1, x2);
    case LMEMU_HVC_SMP_RETURN: return smp_return();
    case LMEMU_HVC_ALLOC_PAGES: {
        const auto pfn = ram_alloc_.alloc(static_cast<unsigned>(x0));
        uc().set_reg(UC_ARM64_REG_X0, pfn ? (*pfn << 12) : 0);
        trace(TraceModule::Alloc, [&] { return fmt::format("alloc_pages(order {}) -> {:#x}", x0, pfn ? *pfn << 12 : 0); });
        return;
    }
    case LMEMU_HVC_FREE_PAGES: {
        const auto r = ram_alloc_.free(x0 >> 12, static_cast<unsigned>(x1));
        trace(TraceModule::Alloc, [&] { return fmt::format("free_pages({:#x}, order {})", x0, x1); });
        if (r != allocator::FreeResult::Ok)
            end(Verdict::Bug, incident_here(fmt::format("BUG: Bad page state: freeing phys {:#x} order {} ({})", x0, x1,
                                                        r == allocator::FreeResult::NotAllocated ? "not allocated: double free?"
                                                        : r == allocator::FreeResult::WrongOrder ? "wrong order"
                                                                                                   : "not a RAM frame")));
        return;
    }
    case LMEMU_HVC_ALLOC_PGTABLE: {
        const auto pfn = pool_alloc_.alloc(0, allocator::PageState::PageTable);
        if (pfn) model_.forget_frame(PhysAddr{*pfn << 12});
        uc().set_reg(UC_ARM64_REG_X0, pfn ? (*pfn << 12) : 0);
        return;
    }
    case LMEMU_HVC_FREE_PGTABLE:
        if (pool_alloc_.free(x0 >> 12, 0) != allocator::FreeResult::Ok)
            end(Verdict::Bug, incident_here(fmt::format("BUG: freeing page-table frame {:#x} that is not allocated", x0)));
        return;
    case LMEMU_HVC_PRINTK: {
        const auto s = read_string(x0, std::min<uint64_t>(x1, 1024));
        if (!s) return bad_pointer("printk", x0);
        result_.console.push_back(*s);
        trace(TraceModule::Console, [&] { return "printk: " + *s; });
        return;
    }
    case LMEMU_HVC_WARN:
    case LMEMU_HVC_BUG: {
        const auto file = read_string(x0, 256);
        const auto cond = read_string(x2, 256);
        if (!file || !cond) return bad_pointer(nr == LMEMU_HVC_WARN ? "WARN" : "BUG", !file ? x0 : x2);
        const std::string what = fmt::format("{} at {}:{}: {}", nr == LMEMU_HVC_WARN ? "WARNING" : "kernel BUG",
                                             *file, x1, *cond);
        if (nr == LMEMU_HVC_BUG) return end(Verdict::Bug, incident_here(what));
        Incident w = incident_here(what);
        w.lazy = lazy_state(running_);
        result_.warnings.push_back(std::move(w));
        trace(TraceModule::Console, [&] { return what; });
        return;
    }
    case LMEMU_HVC_LAZY_MMU: {
        if (x0 < LMEMU_LAZY_ENABLE || x0 > LMEMU_LAZY_RESUME) return bad_pointer("lazy_mmu event", x0);
        const auto event = static_cast<lazymmu::LazyEvent>(x0);
        static constexpr const char* kName[] = {"", "enable", "disable", "flush", "pause", "resume"};
        trace(TraceModule::LazyMmu, [&] {
            return fmt::format("lazy_mmu {} (depth {}) at {}{}", kName[x0], cpu().nesting.depth(),
                               image_.symbolize(x1 ? x1 : hvc_pc_), cpu_tag());
        });
        const uint64_t caller = x1 ? x1 : hvc_pc_;
        if (auto broken = cpu().nesting.on_event(event, caller)) {
            Incident i = incident_here(*broken + open_sections(running_));
            i.hazard = Hazard::Nesting;
            end(Verdict::Hazard, std::move(i));
        }
        return;
    }
    case LMEMU_HVC_MIGHT_SLEEP: {
        const auto s = lazy_state(running_);
        if ((s.depth > 0 && s.paused == 0) || s.lazy()) {
            Incident i = incident_here("a sleeping call inside a lazy MMU section" + open_sections(running_));
            i.hazard = Hazard::SleepInLazy;
            end(Verdict::Hazard, std::move(i));
        }
        return;
    }
    default:
        end(Verdict::GuestFault, incident_here(fmt::format("unknown hypercall hvc #{:#x}", nr)));
    }
}

std::optional<Incident> Machine::Impl::lazy_leak(int cpu, const char* when) {
    const auto s = lazy_state(cpu);
    if (s.depth == 0 && !s.lazy()) return std::nullopt;
    Incident i = incident_here(fmt::format("{} in lazy MMU mode (depth {}, TIF_LAZY_MMU {})", when, s.depth,
                                           s.lazy() ? "set" : "clear") +
                               open_sections(cpu));
    i.hazard = Hazard::LazyLeak;
    return i;
}

// ---- other CPUs --------------------------------------------------------------------

// smp_call_function_single(): the calling CPU stops at its hypercall and
// `target` runs func(info) from secondary_entry (head.S) to completion.
void Machine::Impl::smp_call(uint64_t target, uint64_t func, uint64_t info) {
    const bool busy = target < cpus_.size() &&
                      (static_cast<int>(target) == running_ ||
                       std::find(waiting_.begin(), waiting_.end(), static_cast<int>(target)) != waiting_.end());
    if (target >= cpus_.size() || busy)
        return end(Verdict::GuestFault,
                   incident_here(fmt::format("smp_call_function_single() to CPU {}, which {}", target,
                                             busy ? "is waiting for this call: deadlock" : "does not exist")));
    const auto entry = image_.symbol("secondary_entry");
    if (!entry) return end(Verdict::GuestFault, incident_here("the kernel image has no secondary_entry"));
    Unicorn& t = cpus_[target]->uc;
    t.set_reg(UC_ARM64_REG_PC, *entry);
    t.set_reg(UC_ARM64_REG_SP, stack_top(static_cast<int>(target)));
    t.set_reg(UC_ARM64_REG_X0, func);
    t.set_reg(UC_ARM64_REG_X1, info);
    t.set_reg(UC_ARM64_REG_X2, target);
    t.set_reg(UC_ARM64_REG_X29, 0);
    t.set_reg(UC_ARM64_REG_X30, 0);
    trace(TraceModule::LazyMmu, [&] { return fmt::format("CPU {} calls {} on CPU {}", running_, image_.symbolize(func), target); });
    waiting_.push_back(running_);
    switch_to_ = static_cast<int>(target);
    uc().stop();
}

void Machine::Impl::smp_return() {
    if (waiting_.empty())
        return end(Verdict::GuestFault, incident_here("SMP return hypercall outside an smp_call_function_single()"));
    // Like returning from an interrupt: a callback may not leave lazy MMU mode on.
    if (auto leak = lazy_leak(running_, "smp_call_function_single() callback returned"))
        return end(Verdict::Hazard, std::move(*leak));
    switch_to_ = waiting_.back();
    waiting_.pop_back();
    cpus_[switch_to_]->uc.set_reg(UC_ARM64_REG_X0, 0);  // smp_call_function_single() returns 0
    uc().stop();
}

// ---- running ---------------------------------------------------------------------

RunResult Machine::Impl::run() {
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(config_.timeout_ms);
    while (!ended_) {
        const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - clock::now()).count();
        bool finished = false;
        if (left > 0) {
            try {
                finished = uc().run(uc().reg(UC_ARM64_REG_PC), static_cast<uint64_t>(left));
            } catch (const UnicornError& e) {
                if (!ended_) end(Verdict::GuestFault, incident_here(e.what()));
            }
        }
        if (ended_) break;
        if (!finished) {
            Incident i = incident_here(fmt::format("the guest did not finish within {} ms", config_.timeout_ms));
            i.lazy = lazy_state(running_);
            result_.verdict = Verdict::Timeout;
            result_.incident = std::move(i);
            break;
        }
        if (switch_to_ < 0) {
            end(Verdict::GuestFault, incident_here("the guest stopped without calling the exit hypercall"));
            break;
        }
        running_ = switch_to_;
        switch_to_ = -1;
    }
    result_.metrics = model_.metrics();
    result_.final_state = lazy_state(0);
    return std::move(result_);
}

std::string Machine::Impl::ptdump() const {
    const std::vector<pgtable::AddressMarker> markers{
        {LMEMU_PAGE_OFFSET, "Linear Mapping start"},
        {LMEMU_PAGE_OFFSET + (LMEMU_PHYS_END - LMEMU_PHYS_OFFSET), "Linear Mapping end"},
        {LMEMU_KIMAGE_VADDR, "Kernel image start"},
        {LMEMU_KIMAGE_VADDR + LMEMU_KIMAGE_MAX, "Kernel image end"},
        {LMEMU_VMALLOC_START, "vmalloc() area"},
        {LMEMU_VMALLOC_END, "vmalloc() end"},
    };
    return pgtable::ptdump(PhysAddr{pgd_}, LMEMU_PAGE_OFFSET, [&](PhysAddr e) { return pool_.cpu_entry(e); },
                           markers);
}

Machine::Machine(const ElfImage& image, MachineConfig config) : impl_(std::make_unique<Impl>(image, config)) {}
Machine::~Machine() = default;
RunResult Machine::run() { return impl_->run(); }
std::string Machine::ptdump() const { return impl_->ptdump(); }
std::optional<uint64_t> Machine::translate(uint64_t va) const { return impl_->translate(va); }
std::optional<uint64_t> Machine::read_virt(uint64_t va, unsigned size) const { return impl_->read_virt(va, size); }
bool Machine::write_virt(uint64_t va, uint64_t value) { return impl_->write_virt(va, value); }
void Machine::map_page(uint64_t va, uint64_t pa, uint64_t prot) { impl_->map_page(va, pa, prot); }
uint64_t Machine::alloc_frame() { return impl_->alloc_frame(); }

}  // namespace lmemu::emu
