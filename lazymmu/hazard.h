// What lmemu reports: hazards (stable names used in case expectations),
// verdicts and the lazy-MMU state captured with them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lazymmu/arch_model.h"

namespace lmemu::lazymmu {

enum class Hazard {
    UnactionedMapping,  // access through a walker-view entry that is not yet what the CPU wrote
    StaleTlb,           // access through a removed/changed translation not yet invalidated
    BreakBeforeMake,    // a live translation changed into another without an invalid entry and a TLBI between
    StalePteRead,       // PTE load older than the CPU's own pending write (xen-pv model)
    Nesting,            // a nesting rule of the active policy broken
    LazyLeak,           // lazy mode still active at scenario end
    SleepInLazy,        // a sleeping call inside a lazy section
    KernelFault,        // an ordinary fault on a truly unmapped or protected address
    UseAfterFree,       // an access to a slab object after kfree() (KASAN's slab-use-after-free), or to a freed page table
    OutOfBounds,        // an access past the end of a slab object (KASAN's slab-out-of-bounds)
    DoubleFree,         // kfree() of an object already freed
    InvalidFree,        // kfree() of an address that is not the start of a slab object
    WrongMm,            // a task returns to user space with another mm's root loaded in TTBR0
    StaleAsid,          // a root loaded with an ASID the CPU's TLB may still hold another root's translations for
    InconsistentLockState,  // lockdep: a lock taken in an interrupt and where that interrupt may come
    RecursiveLocking,       // lockdep: a task takes a spinlock it already holds
    SuspiciousRcuUsage,     // PROVE_RCU: an RCU reader where RCU does not watch (an offline CPU)
    // The mm lifetime invariants (CONFIG_MM_INVARIANTS), after kernel-tla's ctxsw model:
    MmInUseWithoutUsers,  // a task's mm has mm_users == 0 (or is freed)
    MmInUseWithoutCount,  // an active_mm, rq->prev_mm or loaded root names an mm with mm_count == 0 (or freed)
    MmUsersWithoutCount,  // mm_users > 0 with mm_count == 0
};

enum class Verdict { Clean, Hazard, Warn, Bug, Timeout, GuestFault };

std::string_view to_string(Hazard h);
std::string_view to_string(Verdict v);
std::optional<Hazard> parse_hazard(std::string_view s);
std::optional<Verdict> parse_verdict(std::string_view s);
std::vector<std::string> hazard_names();
std::vector<std::string> verdict_names();

// TIF bits as Linux v6.16 arch/arm64/include/asm/thread_info.h.
inline constexpr unsigned kTifNeedResched = 1;
inline constexpr unsigned kTifLazyMmu = 31;
inline constexpr unsigned kTifLazyMmuPending = 32;

// The lazy-MMU state of the running task at one moment.
struct LazyState {
    uint64_t thread_flags = 0;  // current_thread_info()->flags
    int depth = 0;              // sections opened and not closed, from the API tracepoints
    int paused = 0;             // generic-v7.0 pause_count
    int pending_writes = 0;     // page-table stores not yet visible to the walker
    uint32_t preempt_count = 0;  // current_thread_info()->preempt_count
    // The CPU's lazy state, under the models that keep it per CPU: xen-pv's
    // xen_lazy_mode (0 NONE, 1 MMU, 2 CPU), ppc64-hash's and sparc64's batch
    // `active` (0, 1), s390's (0, 1, 2: being stored); -1 under arm64
    // (TIF_LAZY_MMU, per task).
    int cpu_lazy_mode = -1;
    ArchModel arch = ArchModel::Arm64;

    // Whether the arch's lazy MMU mode is on.
    bool lazy() const {
        return cpu_lazy_mode >= 0 ? cpu_lazy_mode == 1 : (thread_flags & (uint64_t{1} << kTifLazyMmu)) != 0;
    }
    // in_interrupt(): hard or soft interrupt (or NMI) context, as include/linux/preempt.h counts it.
    bool in_interrupt() const { return preempt_count & 0x00ffff00u; }
    bool barriers_pending() const { return thread_flags & (uint64_t{1} << kTifLazyMmuPending); }
};

}  // namespace lmemu::lazymmu
