// The lmemu machine: arm64 CPUs in Unicorn at EL1 with the MMU on (one
// Unicorn engine each, sharing RAM and the page-table pool), the guest kernel
// loaded from its ELF, page tables in the watched pool, RAM handed out by the
// buddy allocator, and the lazy-MMU model deciding what every page-table
// store, barrier and TLBI means.
//
// CPUs run one at a time on one host thread and interleave at scheduling
// points (PointKind, emu/interleave.cpp): where more than one can run,
// MachineConfig::choose picks the next, so a run is fixed by its choices
// and replays exactly. The default keeps the running CPU while it can.
// Interrupts and preemptions come from the case's injections, at points it
// names.
//
// A Machine boots its kernel once and runs it as often as asked: every run
// after the first starts from the state the boot CPU had at its BOOTED
// hypercall, and gives the report a fresh machine would give. Nothing it
// does depends on wall time except the time budget that turns a looping
// guest into a `timeout` verdict.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emu/elf_image.h"
#include "emu/inject.h"
#include "emu/insn.h"
#include "emu/state_hash.h"
#include "lazymmu/arch_model.h"
#include "lazymmu/arm64_model.h"
#include "lazymmu/nesting.h"

namespace lmemu::emu {

// What --trace records, per module of the event stream.
enum class TraceModule : unsigned {
    PgTable = 1,   // page-table stores
    Barrier = 2,   // dsb, isb, dmb, tlbi
    LazyMmu = 4,   // lazy MMU API calls
    Alloc = 8,     // page allocation and freeing
    Console = 16,  // printk, WARN
    Sched = 32,    // context switches, interrupts, idle CPUs, IPIs
};

struct TraceModules {
    unsigned mask = 0;
    bool has(TraceModule m) const { return mask & static_cast<unsigned>(m); }
    // "all", or a comma-separated list of pgtable, barrier, lazymmu, alloc, console, sched.
    static std::optional<TraceModules> parse(std::string_view spec);
};

// Scheduling points: where the host may switch CPUs (emu/interleave.cpp).
enum class PointKind {
    PteWrite,   // after a page-table store
    Barrier,    // before a dsb, dmb or isb
    Tlbi,       // before a TLB invalidation
    Atomic,     // before an exclusive, acquire/release or LSE atomic access
    Hypercall,  // after a call to the host (allocator, printk, tracepoints, IPIs)
    Yield,      // at a yield or wfe: the CPU is spinning, so moving on is no preemption
    Idle,       // the CPU has nothing to run
    Quantum,    // after MachineConfig::quantum_blocks blocks of anything else
};
const char* to_string(PointKind k);

// A choice is the CPU that runs next. A CPU with an interrupt pending that
// it can take (an IPI, say) takes it first; the same CPU plus kHoldIrq runs
// it with the interrupt held back, to be taken at a later choice: that is
// how an interrupt's latency is explored.
inline constexpr int kHoldIrq = 0x100;
constexpr int chosen_cpu(int choice) { return choice & (kHoldIrq - 1); }
constexpr bool holds_irq(int choice) { return (choice & kHoldIrq) != 0; }

// A scheduling point at which there is more than one choice.
struct ChoicePoint {
    size_t index = 0;           // choices made before this one in the run
    int running = 0;            // the CPU that reached the point
    bool running_enabled = true;  // false at Yield and Idle (unless it has an interrupt to take)
    std::vector<int> enabled;   // the choices: CPUs that can run, ascending, then those with kHoldIrq
    PointKind kind = PointKind::Quantum;
    // The machine's state here (emu/state_hash.cpp), computed when called;
    // nullopt where it cannot be named (mid-store, a CPU about to store
    // exclusive, a host without PAGEMAP_SCAN). Unset: never hashed.
    std::function<std::optional<StateHash>()> state;
};
// Picks the CPU to run next: one of `enabled`.
using Chooser = std::function<int(const ChoicePoint&)>;
// The default: the running CPU goes on while it can; then the next CPU
// after it that can. With it, CPUs change hands only where the guest has
// nothing else to do, and interrupts are taken as soon as they can be.
int default_choice(const ChoicePoint& p);
// What a choice costs against a preemption bound: switching away from a CPU
// that could go on is one, holding back an interrupt that could be taken is one.
int deviations(const ChoicePoint& p, int choice);

struct MachineConfig {
    bool debug_pagealloc = false;  // free frames are unmapped from the linear map
    lazymmu::Policy policy = lazymmu::Policy::Arm64V616;
    lazymmu::ArchModel arch = lazymmu::ArchModel::Arm64;  // what lazy MMU mode defers (lazymmu/arch_model.h)
    // The guest's budget: translated-block executions (a block is a run of
    // straight-line guest code; QEMU's own unit, counted by a block hook at no
    // measurable cost), the same on every machine. 1..10^12.
    uint64_t budget_blocks = 10'000'000;
    // The last-resort wall-clock guard, should a budget take that long. What
    // it stops has no verdict (RunResult::wall_clock_stopped): the block budget
    // is what ends a run the same way on every machine, loaded or not.
    uint64_t timeout_ms = 60'000;
    TraceModules trace;          // what of the event stream to record (--trace)
    int cpus = 1;                // 1..LMEMU_MAX_CPUS; CPU 0 runs the scenario
    std::vector<Injection> injections;  // handlers and functions must exist in the image
    // false: the floor `lmemu bench --no-model` measures, the same guest on the
    // same layout with nothing observed. Page-table stores and walks go
    // straight to the pool (no model, no walk alias, no store-origin search)
    // and barriers and TLBIs run natively. Verdicts mean nothing then.
    bool observe = true;
    lazymmu::ArchFeatures arch_features;  // optional features the CPUs implement ([config] arch_features)
    // rodata=full (CONFIG_RODATA_FULL_DEFAULT_ENABLED): with it and without
    // BBML2 or with DEBUG_PAGEALLOC, the linear map is built with pages; else with blocks.
    bool rodata_full = true;
    // With more than one CPU: who runs at each choice point (empty: default_choice).
    Chooser choose;
    // A scheduling point after this many translated blocks without one (0: none).
    uint64_t quantum_blocks = 0;
    bool timeline = false;  // record RunResult::timeline (--perfetto)
};

// An address symbolized against the kernel ELF: "clear_page+0x10/0x40".
struct Location {
    uint64_t pc = 0;
    std::string where;
    std::string source;  // "kernel/mm/memory.c:116" (DWARF), "" if unknown
};

struct AccessInfo {
    uint64_t va = 0;
    unsigned size = 0;
    AccessType type = AccessType::Read;
    Location at;
    std::string insn;  // disassembled
};

struct WriteInfo {
    lazymmu::PteWrite write;
    std::vector<Location> backtrace;  // of the store, innermost first
    // Where the arch model holds the update back from the table (xen-pv's
    // multicall batch, s390's ipte_batch); empty for a store the table has.
    std::string held;
};

// Everything a report says about one hazard, fault or BUG.
struct Incident {
    int cpu = 0;                            // where it happened
    std::optional<lazymmu::Hazard> hazard;  // unset for BUG, guest faults, timeouts
    std::string message;
    std::optional<AccessInfo> access;
    std::vector<Location> backtrace;
    std::optional<WriteInfo> write;
    std::vector<std::string> walk;  // the CPU-view walk, one line per level
    std::string page;               // what the allocator knows of the target frame
    lazymmu::LazyState lazy;
    // Break-before-make: the store that made the entry invalid before the
    // offending one, if there was one (`write` is the offending store).
    std::optional<WriteInfo> break_write;
    // A spurious translation fault Linux's is_spurious_el1_translation_fault() retries.
    bool linux_recovers = false;
    // Only a missing context synchronization event made it a hazard (an ISB,
    // an exception entry or an ERET would have removed it).
    bool context_sync_missing = false;
};

// A choice as a run made it, for reports: `cpu` ran up to a point at `at`,
// then `next` ran. `at.where` is left empty: exploration makes thousands of
// runs and shows one (ElfImage::symbolize fills it in).
struct Step {
    int cpu = 0;
    PointKind kind = PointKind::Quantum;
    Location at;
    int next = 0;
};

// One thing on a CPU's timeline: a span that begins ('B') or ends ('E'), or
// an instant ('i'). Time is the translated blocks the run has executed so
// far, over all CPUs: deterministic, and in order.
struct TimelineEvent {
    uint64_t time = 0;
    int cpu = 0;
    char phase = 'i';
    std::string category;  // task, lazy_mmu, irq, pgtable, barrier, schedule, incident
    std::string name;
};

struct RunResult {
    lazymmu::Verdict verdict = lazymmu::Verdict::Clean;
    // The wall-clock guard stopped the run before its block budget ran out:
    // `verdict` is Timeout, but what happened depends on the host's speed and
    // load, so it is no verdict a case may expect (the runner reports an error).
    bool wall_clock_stopped = false;
    // The schedule replayed (MachineConfig::choose) chose what could not run
    // at a choice point: the run stopped there, and that is no verdict either.
    std::optional<std::string> schedule_error;
    std::optional<Incident> incident;  // what ended the run, if not a clean exit
    std::vector<Incident> warnings;    // WARN_ON()s hit on the way
    std::vector<std::string> console;  // printk output
    std::vector<std::string> trace;    // event stream, when MachineConfig::trace
    std::vector<std::string> notes;    // how injections were delivered (deferred, masked, ...)
    // Per injection: how often its point's event happened, on its own CPU (the
    // N of `…:N` counts there only) and on each, and whether its interrupt was
    // taken (one raised while interrupts stayed masked to the end was not).
    struct Injected {
        uint64_t events = 0;
        std::array<uint64_t, lazymmu::kMaxCpus> by_cpu{};
        bool taken = false;
    };
    std::vector<Injected> injected;
    lazymmu::Metrics metrics;
    uint64_t blocks = 0;  // translated blocks executed: what the run spent of its budget
    lazymmu::LazyState final_state;
    std::vector<Step> steps;  // every choice between CPUs, in order
    std::vector<TimelineEvent> timeline;  // with MachineConfig::timeline
    // What a run records is capped (RunLimits), so a guest that warns or
    // prints in a loop costs bounded host memory: how much was left out.
    struct Dropped {
        uint64_t warnings = 0, console = 0, trace = 0, timeline = 0;
        uint64_t total() const { return warnings + console + trace + timeline; }
    } dropped;
};

// Per-run caps on what RunResult keeps.
struct RunLimits {
    static constexpr size_t kWarnings = 32;
    static constexpr size_t kConsoleLines = 2'000;
    static constexpr size_t kTraceLines = 500'000;
    static constexpr size_t kTimelineEvents = 1'000'000;
};

class Machine {
public:
    // Many keeps the booted state (a few hundred microseconds at boot) so the
    // machine can run again; Once cannot run a second time.
    enum class Runs { Once, Many };
    Machine(const ElfImage& image, MachineConfig config, Runs runs = Runs::Once);
    ~Machine();
    Machine(const Machine&) = delete;
    Machine& operator=(const Machine&) = delete;

    RunResult run();
    // Another run with `per_run`'s trace, injections and time budget (its CPUs,
    // policy, DEBUG_PAGEALLOC and observation must be the machine's).
    RunResult run(const MachineConfig& per_run);

    // The kernel page tables as Linux's kernel_page_tables shows them (CPU view).
    std::string ptdump() const;
    // Host translation through what the CPU wrote; nullopt if unmapped.
    std::optional<uint64_t> translate(uint64_t va) const;
    std::optional<uint64_t> read_virt(uint64_t va, unsigned size) const;
    // 8 bytes, for tests: before the first run(), or from a chooser during one.
    bool write_virt(uint64_t va, uint64_t value);
    // Maps one 4 KiB page (host-side, visible to every view at once): for tests.
    void map_page(uint64_t va, uint64_t pa, uint64_t prot);
    uint64_t alloc_frame();  // a zeroed RAM frame, for tests

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
    MachineConfig config_;
};

}  // namespace lmemu::emu
