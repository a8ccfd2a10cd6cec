// The machine's private side: Machine::Impl, shared by the files that each
// hold one concern of it (boot.cpp, snapshot.cpp, pool_hooks.cpp,
// hypercalls.cpp, faults.cpp, incidents.cpp, guest_memory.cpp, smp.cpp,
// sched.cpp, interrupts.cpp, interleave.cpp, kasan.cpp, mm.cpp,
// mm_invariants.cpp, lockdep.cpp, state_hash.cpp, machine.cpp).
// Not to be included outside emu/.
#pragma once

#include "emu/machine.h"

#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "allocator/buddy.h"
#include "emu/maintenance.h"
#include "emu/ram_snapshot.h"
#include "emu/unicorn.h"
#include "kernel/include/lmemu/machine.h"
#include "lazymmu/xen_multicall.h"
#include "pgtable/table_pool.h"
#include "pgtable/walker.h"

namespace lmemu::emu {

using lazymmu::Hazard;
using lazymmu::Verdict;
using pgtable::PhysAddr;
using pgtable::Pte;
using pgtable::VirtAddr;

inline constexpr uint64_t kPage = pgtable::kPageSize;
inline constexpr uint64_t kDaifIrq = 1u << 7;    // PSTATE.I
inline constexpr uint64_t kDaifAll = 0xfu << 6;  // D, A, I, F: all masked on exception entry
inline constexpr uint64_t kTtbrBaddr = 0x0000fffffffffffeULL;  // TTBR0_EL1.BADDR (48-bit PA); ASID in [63:48]
inline constexpr uint64_t kTcrEpd0 = uint64_t{1} << 7;            // TCR_EL1.EPD0: no TTBR0 walks

// Hypercalls after which another CPU may run: the ones a kernel would make
// as ordinary calls. Not those that switch CPUs themselves, nor interrupt
// entry and exit.
constexpr bool is_scheduling_hypercall(uint16_t nr) {
    switch (nr) {
    case LMEMU_HVC_ALLOC_PAGES: case LMEMU_HVC_FREE_PAGES: case LMEMU_HVC_ALLOC_PGTABLE: case LMEMU_HVC_FREE_PGTABLE:
    case LMEMU_HVC_PRINTK: case LMEMU_HVC_WARN: case LMEMU_HVC_LAZY_MMU: case LMEMU_HVC_MIGHT_SLEEP:
    case LMEMU_HVC_TASK_STACK: case LMEMU_HVC_SEND_IPI: case LMEMU_HVC_SCHED_SWITCH: case LMEMU_HVC_SMP_CALL_ASYNC:
    case LMEMU_HVC_SMP_CALL_CSD: case LMEMU_HVC_KMALLOC: case LMEMU_HVC_KFREE:
        return true;
    default: return false;
    }
}

// TTBR1 translates the top 256 TiB, TTBR0 the bottom 256 TiB (the user half).
constexpr bool kernel_va(uint64_t va) { return (va >> 48) == 0xffff; }
constexpr bool user_va(uint64_t va) { return (va >> 48) == 0; }

class Machine::Impl {
public:
    // `keep_booted`: keep the state at BOOTED so that later runs can start from it.
    Impl(const ElfImage& image, MachineConfig config, bool keep_booted);
    ~Impl();
    // A run with `per_run`'s trace, injections and time budget; the machine's
    // CPUs, policy and DEBUG_PAGEALLOC must be those it was built with. Every
    // run after the first starts again from the booted snapshot.
    RunResult run(const MachineConfig& per_run);
    std::string ptdump() const;
    std::optional<uint64_t> translate(uint64_t va) const;
    std::optional<uint64_t> read_virt(uint64_t va, unsigned size) const;
    bool write_virt(uint64_t va, uint64_t value, unsigned size = 8);  // size 4 or 8, aligned
    // Returns the pool index of the PTE it wrote.
    size_t map_page(uint64_t va, uint64_t pa, uint64_t prot);
    size_t map_leaf(uint64_t va, uint64_t pa, uint64_t prot, int leaf_level);  // a page (3) or block (1, 2)
    void map_linear();
    uint64_t alloc_frame();

private:
    // Unicorn callbacks.
    static uint64_t pool_read(uc_engine*, uint64_t offset, unsigned size, void* self);
    static void pool_write(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self);
    static void pool_write_unobserved(uc_engine*, uint64_t offset, unsigned size, uint64_t value, void* self);
    static uint64_t walk_read(uc_engine*, uint64_t offset, unsigned size, void* self);
    static void on_interrupt(uc_engine*, uint32_t intno, void* self);
    static bool on_unmapped(uc_engine*, uc_mem_type type, uint64_t address, int size, int64_t value, void* self);
    static void on_inject_hook(uc_engine*, uint64_t address, uint32_t size, void* self);
    static void on_block(uc_engine*, uint64_t address, uint32_t size, void* self);
    static void on_atomic(uc_engine*, uint64_t address, uint32_t size, void* self);

    // An interrupt on its way to a CPU: injected, possibly waiting for an unmask.
    struct PendingIrq {
        InjectKind kind;
        uint64_t handler;
        int migrate;
        std::string what;  // Injection::describe()
        uint64_t info = 0;  // Call: the function's argument
        uint64_t csd = 0;   // Call: the call_single_data to unlock, 0 for none
        int injection = -1;  // the index of the injection that raised it, if one did
    };
    // The interrupted task's lazy MMU state when a handler started.
    struct HandlerFrame {
        uint64_t task, handler;
        uint64_t lazy_flags;
        int depth, paused;
    };
    // One engine per CPU; only cpus_[running_] executes at any time.
    struct Cpu {
        explicit Cpu(int id) : id(id) {}
        ~Cpu();
        int id;
        Unicorn uc;
        bool started = false;  // has run: its registers hold a context to resume
        bool kicked = false;   // a reschedule IPI is waiting for it
        bool idle = false;     // waits for an IPI (wfi in the idle loop)
        bool off = false;      // powered off by cpu_die() (PSCI CPU_OFF) until add_cpu()'s CPU_ON
        uint64_t resume_at = 0;  // switched away before the instruction here: run it without a choice
        uc_context* smp_saved = nullptr;  // its context while it runs an smp_call_function_single() callback
        bool smp_resume = false;          // restore smp_saved when the callback returns
        std::vector<PendingIrq> pending;   // injected, waiting for interrupts to be unmasked
        std::optional<PendingIrq> taking;  // delivered, not yet acknowledged by handle_arch_irq()
        std::vector<HandlerFrame> handlers;
        std::vector<uc_hook> inject_hooks;  // this run's call/return hooks
        std::optional<Location> ttbr0_write;  // where TTBR0_EL1 was last written this run, and by which task
        std::string ttbr0_writer;
        // User translations its TLB may hold, by ASID: the root they came
        // from, since no TLBI VMALLE1 or ASIDE1 removed them (mm.cpp).
        struct AsidTag {
            uint64_t root = 0;
            std::string loaded;  // where and by whom
        };
        std::map<uint64_t, AsidTag> asid_tags;
    };
    // An injection point being counted.
    struct Trigger {
        Injection injection;
        uint64_t handler = 0;
        std::vector<uint64_t> hook_pcs;  // Call: the entry; Return: every `ret`
    };
    Cpu& cpu() { return *cpus_[running_]; }
    Unicorn& uc() { return cpus_[running_]->uc; }
    static uint64_t stack_top(int cpu) { return LMEMU_STACK_TOP - static_cast<uint64_t>(cpu) * LMEMU_STACK_STRIDE; }

    void boot();
    // Boot once, run many (snapshot.cpp).
    struct Booted;
    void boot_to_snapshot(bool keep);
    void snapshot_ram();
    void restore_snapshot();
    void setup_engine(Cpu& c, uint64_t task);
    void smp_call(uint64_t target, uint64_t func, uint64_t info);
    void smp_return();
    void smp_call_async(uint64_t target, uint64_t func, uint64_t info);
    void smp_call_csd(uint64_t target, uint64_t csd);
    // CPU hotplug: PSCI's CPU_OFF for the running CPU, CPU_ON for another.
    void cpu_off();
    void cpu_on(uint64_t target);
    bool powered_off(uint64_t target, std::string_view what);

    // The slab allocator and its KASAN-style checker (kasan.cpp).
    struct SlabObject {
        uint64_t addr = 0, size = 0;
        std::string cache;
        size_t entry = 0;  // the pool entry that maps its page
        bool freed = false;
        std::string alloc_task, free_task;
        std::vector<Location> alloc_stack, free_stack;
    };
    // User roots (mm.cpp): switch_mm()'s TTBR0 writes, and the return-to-user check.
    void write_ttbr0(uint64_t value);
    // Gives Unicorn the root to walk (through the walk alias) and the model the ASID.
    void load_ttbr0(uint64_t value);
    // TTBR0_EL1 as the guest wrote it (Unicorn holds the walk alias instead).
    uint64_t guest_ttbr0(Cpu& c);
    void user_tlbi(const lazymmu::Tlbi& t);
    void batch_across_switch(uint64_t prev, uint64_t next);

    // xen-pv (xen_pv.cpp): the host plays the hypervisor.
    bool xen_pv() const { return config_.arch == lazymmu::ArchModel::XenPv; }
    void xen_mmu_update(uint64_t pa, uint64_t value, bool batched);
    void xen_queue(lazymmu::XenRequest r);
    void xen_mc_flush();  // issue the running CPU's batch
    void xen_flush_tlb(const lazymmu::Tlbi& t);  // a guest TLBI: queued in lazy MMU mode, else made at once
    void xen_apply(lazymmu::XenRequest r, bool queued);
    lazymmu::PteWrite xen_queued_write(const lazymmu::XenRequest& r) const;

    // Updates the arch model holds back from the table (held_updates.cpp):
    // xen-pv's queued mmu_updates, s390's cached PTEs (s390_ipte.cpp).
    struct HeldUpdate {
        lazymmu::PteWrite write;  // the store it will be
        std::string where;        // where it is held, and who sees it
        std::string until;        // what makes it
    };
    bool holds_updates() const { return xen_pv() || lazymmu::caches_entries(config_.arch); }
    std::optional<HeldUpdate> held_update(size_t index) const;
    std::optional<HeldUpdate> xen_held_update(size_t index) const;
    std::optional<HeldUpdate> s390_held_update(size_t index) const;
    // Entry `index` as `cpu`'s ipte_batch caches it, lazy or being stored.
    struct IpteSlot {
        uint64_t value, ip;
        bool storing;
    };
    std::optional<IpteSlot> s390_cached(int cpu, size_t index) const;
    // Whether a kernel PTE store counts in the metrics under s390
    // (store_deferral()); `batched`: the leave is storing the CPU's cache.
    bool s390_store_counts(size_t index, uint64_t new_value, bool batched) const;
    void check_held_load(uint64_t offset, unsigned size);
    // True (and the run ends, use-after-free) if the access at `offset` is in a free page of the pool.
    bool freed_table_access(uint64_t offset, unsigned size, AccessType type);
    // The guest load or store that made a pool access, found from the registers (pool_hooks.cpp).
    struct PoolAccess {
        uint64_t pc, start;
    };
    std::optional<PoolAccess> pool_access_insn(uint64_t pa, unsigned size, AccessType type);
    std::optional<lazymmu::FaultCause> held_cause(const pgtable::Walk& walk) const;
    void forget_user_root(uint64_t frame);
    void return_to_user();

    // CONFIG_LOCKDEP's usage checks (lockdep.cpp).
    struct LockUsage {
        enum Bit { InHardirq, HardirqOn, InSoftirq, SoftirqOn };
        std::array<std::vector<Location>, 4> first;  // where each usage was first seen
    };
    void lock_acquire(uint64_t lock);
    void lock_release(uint64_t lock);
    void rcu_suspicious(uint64_t file, uint64_t line, uint64_t message);

    // The mm lifetime invariants (mm_invariants.cpp), with CONFIG_MM_INVARIANTS.
    void load_mm_invariants();
    void check_mm_invariants(uint64_t pc);

    void kmalloc(uint64_t size, uint64_t cache_name);
    void kfree(uint64_t addr);
    void kasan_check(uint64_t va, uint64_t size, bool write);
    SlabObject* slab_object_at(uint64_t va);
    std::optional<Incident> slab_access_report(const AccessInfo& a);
    bool queue_call_ipi(std::string_view caller, uint64_t target, uint64_t func, uint64_t info, uint64_t csd);

    // Scheduling (sched.cpp): the host side of the guest's scheduler.
    uint64_t current_task(int cpu) const { return cpus_[cpu]->uc.reg(UC_ARM64_REG_SP_EL0); }
    std::string task_name(uint64_t task) const;
    lazymmu::NestingTracker& tracker(uint64_t task);
    const lazymmu::NestingTracker* find_tracker(uint64_t task) const;
    uint64_t task_stack(uint64_t slot);
    void cpu_idle();
    void send_ipi(uint64_t target);
    void switch_cpu(int target);

    // CPUs interleaving at scheduling points (interleave.cpp).
    bool can_run(int cpu) const;
    bool irq_deliverable(int cpu);
    // A scheduling point on the running CPU at `pc`. If another CPU is chosen,
    // the running one stops and later resumes at `resume_pc` (or where the
    // engine stops, if none is given).
    void schedule_point(PointKind kind, uint64_t pc, std::optional<uint64_t> resume_pc = std::nullopt);
    // A scheduling point before the instruction at `pc`; false if another CPU
    // runs first (the instruction runs when this one resumes, without a choice).
    bool before_insn(PointKind kind, uint64_t pc, bool from_code_hook = false);
    // The state at a scheduling point (state_hash.cpp).
    std::optional<StateHash> state_hash(PointKind kind, uint64_t pc, std::optional<uint64_t> resume_pc);
    void hook_atomics(Cpu& c);
    // ERET, rewritten: the model's context synchronization, then the return.
    void exception_return();

    // Injection and interrupts (interrupts.cpp).
    void resolve_injections();
    std::set<uint64_t> hooked_pcs() const;
    void attach_injection_hooks();
    void detach_injection_hooks();
    bool injection_event(InjectPoint::Event event, uint64_t pc, uint64_t resume_pc);
    bool raise(size_t injection, uint64_t resume_pc);  // triggers_[injection]'s point happened
    bool irqs_masked() { return uc().reg(UC_ARM64_REG_PSTATE) & kDaifIrq; }
    void take_irq(PendingIrq irq, uint64_t resume_pc);
    void deliver_pending(uint64_t resume_pc, std::string_view when);
    void irq_ack(uint64_t desc);
    void irq_handler(bool entering, uint64_t handler);
    void irq_return();
    void write_daif(const MaintenanceInsn& r);
    void load_image();
    uint64_t new_table();
    uint64_t root() const { return pgd_; }
    static uint64_t walk_alias(uint64_t pool_pa) { return pool_pa - LMEMU_PHYS_OFFSET + LMEMU_WALK_ALIAS; }
    PhysAddr ttbr1() const { return PhysAddr{walk_alias(pgd_)}; }

    // Guest memory by physical address: RAM or the CPU view of the pool.
    std::optional<uint64_t> read_phys(uint64_t pa, unsigned size) const;
    uint8_t* ram_ptr(uint64_t pa) const { return ram_.get() + (pa - LMEMU_RAM_PHYS); }
    bool in_ram(uint64_t pa, uint64_t len = 1) const {
        return pa >= LMEMU_RAM_PHYS && pa + len <= LMEMU_PHYS_END && pa + len >= pa;
    }
    // RAM or the page-table pool: what a translation may reach.
    static bool backed(uint64_t pa) { return pa >= LMEMU_PHYS_OFFSET && pa < LMEMU_PHYS_END; }
    std::optional<std::string> read_string(uint64_t va, uint64_t max_len) const;

    // Hands a completed page-table store to the model; `in_store_callback`: from
    // the store's own MMIO callback, where an injection may interrupt right after it.
    void commit_store(bool in_store_callback = false);
    void break_before_make(lazymmu::BreakBeforeMake bbm);
    // Where the store of `size` bytes of `value` at `pa`, now in progress, was made.
    lazymmu::Origin store_origin(uint64_t pa, uint64_t value, unsigned size);
    bool writes(const MemAccess& a, uint64_t pa, uint64_t value, unsigned size) const;
    lazymmu::LazyState lazy_state(int cpu) const;
    // How a store to entry `index` from `old_value` to `new_value` counts in
    // the metrics under the arch model; `batched`: whether the model batched
    // what it needs (xen-pv: the request was queued; ppc64-hash, sparc64: the
    // CPU's batch is active, so the invalidation is queued).
    lazymmu::Deferral store_deferral(size_t index, uint64_t old_value, uint64_t new_value, bool batched) const;
    void might_sleep(uint64_t file, uint64_t line);
    void bad_page(uint64_t phys, uint64_t order, allocator::FreeResult why);
    std::vector<uint64_t> raw_backtrace(uint64_t pc, uint64_t lr, uint64_t fp) const;
    std::vector<Location> symbolize(const std::vector<uint64_t>& addrs) const;
    // `pc` an instruction; a return address is looked up at its call (pc - 4).
    Location locate(uint64_t pc, bool return_address = false) const {
        return {pc, image_.symbolize(pc, return_address), image_.source_line(return_address ? pc - 4 : pc)};
    }
    uint32_t code_at(uint64_t pc) const;
    // The instruction a memory callback is for (guest_memory.cpp).
    std::optional<uint64_t> find_insn(const std::function<bool(uint32_t insn, uint64_t pc)>& matches);
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
        if (!config_.trace.has(module)) return;
        if (result_.trace.size() < RunLimits::kTraceLines) result_.trace.push_back(make_line());
        else ++result_.dropped.trace;
    }
    // A timeline event on the running CPU; `make_name` is only called when recording.
    template <class MakeName>
    void timeline(char phase, const char* category, MakeName&& make_name) {
        if (!config_.timeline) return;
        if (result_.timeline.size() < RunLimits::kTimelineEvents)
            result_.timeline.push_back({blocks_, running_, phase, category, make_name()});
        else
            ++result_.dropped.timeline;
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
    std::unique_ptr<RamSnapshot> ram_snapshot_;
    pgtable::TablePool pool_;
    lazymmu::Arm64Model model_;
    lazymmu::XenMulticall xen_;                   // xen-pv: each CPU's multicall batch
    // The guest's per-CPU lazy state, under the models that keep it per CPU.
    struct CpuLazy {
        lazymmu::CpuLazyLayout layout;
        uint64_t va, stride;
    };
    std::optional<CpuLazy> cpu_lazy_;
    allocator::BuddyAllocator ram_alloc_;
    allocator::BuddyAllocator pool_alloc_;
    std::unordered_map<uint64_t, MaintenanceInsn> rewritten_;
    uint64_t pgd_ = 0;
    std::vector<std::unique_ptr<Cpu>> cpus_;
    int running_ = 0;
    int switch_to_ = -1;        // set by SMP_CALL/SMP_RETURN/CPU_IDLE: the CPU to run next
    bool resumed_ = false;      // switch_to_ resumes a CPU where it stopped: it may take a waiting IPI
    std::vector<int> waiting_;  // CPUs blocked in smp_call_function_single(), outermost first
    std::map<uint64_t, lazymmu::NestingTracker> trackers_;  // lazy MMU sections per task
    std::vector<bool> stack_mapped_;                         // per task slot
    std::vector<SlabObject> slab_;                           // by slot, in allocation order
    std::map<uint64_t, LockUsage> lock_usage_;               // by lock address
    std::map<uint64_t, std::vector<uint64_t>> held_locks_;   // by task: spinlocks held, in order
    // The ASID width the guest's allocator uses (its `asid_bits`): with 8,
    // the top byte of an ASID field is ignored, as with TCR_EL1.AS = 0.
    // Fewer bits than hardware has are a model reduction (as asidalloc.tla
    // checks with few ASIDs); anything else reads as 16.
    std::optional<uint64_t> asid_mask_;
    uint64_t hw_asid(uint64_t field);
    bool mm_invariants_looked_ = false;
    std::optional<lmemu_mm_invariants> mm_invariants_;  // the kernel's layout, if it asks for the checks
    std::map<uint64_t, uint64_t> mm_pgd_pa_;             // mm_struct -> its pgd's physical address, once seen
    std::map<int, uint64_t> last_point_pc_;              // per CPU: its previous scheduling point (report only)
    std::vector<Trigger> triggers_;
    uint64_t irq_vector_ = 0;  // el1h_64_irq
    // A call/return hook re-fires when the interrupted instruction runs after
    // the interrupt returns; that is the same call, not another.
    struct Resume {
        uint64_t pc, sp;
    };
    std::vector<Resume> resumes_;
    // A store interrupted by a pte_write injection: its later halves (stp) keep its origin.
    std::optional<lazymmu::Origin> interrupted_store_;
    std::optional<uint64_t> completed_store_;  // resume pc after a store that completed in its own callback

    // A page-table store in progress (MMIO delivers up to 4 bytes at a time).
    struct StoreInProgress {
        size_t index;
        uint64_t old_value;
        lazymmu::Origin origin;
    };
    std::optional<StoreInProgress> store_;

    std::unique_ptr<Booted> booted_;
    int runs_ = 0;
    bool booting_ = false;  // running to BOOTED, where the snapshot is taken

    std::vector<uint64_t> atomic_pcs_;  // exclusive, acquire/release and LSE atomic instructions in the text
    uint64_t quantum_left_ = 0;         // blocks to run before a Quantum scheduling point
    bool stop_at_block_ = false;        // stop the engine when the next block starts (see schedule_point)
    // A stop asked for in a block hook takes effect before the block runs,
    // but the PC Unicorn 2.0.1 reports then can be that of an earlier block
    // in the chain: the run loop puts back the block's own address.
    std::optional<uint64_t> block_stop_pc_;

    uint64_t blocks_ = 0;        // translated blocks this run has executed
    // The image's executable segments, lowest to highest byte: code anywhere
    // else was made at run time, and its barriers and TLBIs were never rewritten.
    uint64_t text_start_ = 0, text_size_ = 0;
    bool budget_spent_ = false;  // blocks_ passed the budget: the run stops as a timeout

    RunResult result_;
    bool ended_ = false;
    uint64_t hvc_pc_ = 0;  // the hvc being handled, 0 outside hypercalls
};

// The state at the boot CPU's BOOTED hypercall, which every run after the first starts from.
struct Machine::Impl::Booted {
    explicit Booted(const Machine::Impl& m)
        : pool(m.pool_), model(m.model_), xen(m.xen_), ram_alloc(m.ram_alloc_), pool_alloc(m.pool_alloc_),
          stack_mapped(m.stack_mapped_) {}
    ~Booted() {
        for (auto* c : contexts) uc_context_free(c);
    }
    Booted(const Booted&) = delete;
    Booted& operator=(const Booted&) = delete;

    pgtable::TablePool pool;
    lazymmu::Arm64Model model;
    lazymmu::XenMulticall xen;
    allocator::BuddyAllocator ram_alloc, pool_alloc;
    std::vector<bool> stack_mapped;
    std::vector<uc_context*> contexts;  // per CPU
};

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

}  // namespace lmemu::emu
