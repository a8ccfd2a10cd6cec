// Interrupts and preemptions a case injects ([[inject]] in a case file):
// at which point of the guest's execution, what runs (a hard interrupt
// handler, a softirq, a kernel thread that preempts the running task), on
// which CPU. The machine delivers them as the hardware and the scheduler
// would: an interrupt that lands while interrupts are masked waits for the
// unmask, a preemption inside preempt_disable() for preempt_enable().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kernel/include/lmemu/machine.h"

namespace lmemu::emu {

// Call and Resched are not a case file's: they are the kernel's own IPIs
// (smp_call_function_*() and the reschedule IPI).
enum class InjectKind {
    Irq = LMEMU_IRQ_HARD,
    Softirq = LMEMU_IRQ_SOFTIRQ,
    Preempt = LMEMU_IRQ_PREEMPT,
    Call = LMEMU_IRQ_CALL,
    Resched = LMEMU_IRQ_RESCHED
};
std::string_view to_string(InjectKind k);

struct InjectPoint {
    enum class Event { Call, Return, PteWrite, Barrier };
    Event event = Event::Call;
    std::string function;  // Call and Return
    uint64_t nth = 1;      // fire at the nth occurrence (1-based); 0 counts occurrences and never fires
    bool sweep = false;    // written `*`: one run per occurrence

    // "call:FUNC", "call:FUNC:N", "return:FUNC[:N]", "pte_write:N", "barrier:N";
    // `*` for N sweeps. nullopt with `error` set if the spelling is wrong.
    static std::optional<InjectPoint> parse(std::string_view spec, std::string& error);
    // The spelling parse() takes, with this nth (`*` for a sweep's count, nth 0).
    std::string label() const;
};

struct Injection {
    InjectPoint at;
    InjectKind kind = InjectKind::Softirq;
    std::string handler;  // a guest function `void handler(void)`
    int cpu = 0;          // the CPU on which the point counts
    int migrate = -1;     // Preempt: resume the preempted task on this CPU
    // "softirq handler() at call:task_step".
    std::string describe() const;
};

}  // namespace lmemu::emu
