// Builds small guest kernels for tests, through the same GuestBuilder the
// CLI uses (objects cached in $LMEMU_CACHE, which ctest points into the build tree).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "emu/elf_image.h"
#include "emu/machine.h"

namespace lmemu::test {

// `code` defines scenario(); defines are passed as -D (CONFIG_...).
emu::ElfImage build_guest(const std::string& code, const std::map<std::string, std::string>& defines = {});

// Builds `code` for `cfg`'s arch model and nesting policy (their CONFIG_
// defines, plus `defines`) and runs it once on a machine with `cfg`.
emu::RunResult run_guest(const std::string& code, const emu::MachineConfig& cfg,
                         std::map<std::string, std::string> defines = {});
// The incident's message, or "clean": what a failed check prints.
std::string why(const emu::RunResult& r);
// The run's hazard, if it ended in one.
std::optional<lazymmu::Hazard> hazard_of(const emu::RunResult& r);
// `handler` run as `kind` at the injection point `at` (a valid spelling);
// `migrate`: the CPU a preemption moves the task to (-1: none).
emu::Injection inject(const char* at, emu::InjectKind kind, const char* handler, int migrate = -1);

// A guest whose scenario() gives `nr` pages at VMALLOC_START page tables and
// 2^order fresh pages, then runs `body` (statements) with: pte(i), map(i)
// (page i, modulo 2^order), clear(i), touch(i) (a read through the
// mapping), step() (a call to inject at) and other() (an empty handler).
// `extra` comes after those, before scenario(): the test's own includes and helpers.
std::string vmalloc_pages_guest(int nr, int order, const std::string& extra, const std::string& body);

// Two CPUs each add one to a shared `counter` with `increment`; the boot CPU
// then checks the sum with BUG_ON (a lost update is a `bug` verdict).
std::string two_cpu_counter(const std::string& increment);
// `code` defines `static void first(void)` and `second(void)`; CPU 0 runs
// first() and CPU 1 second() at once (kernel/lmemu/threads.c), then the
// boot CPU runs `after` (statements).
std::string two_threads(const std::string& code, const std::string& after = "");
// A read, a barrier (a scheduling point) and the write back: an update can be lost.
inline constexpr const char* kRacyIncrement = "int x = READ_ONCE(counter); smp_mb(); WRITE_ONCE(counter, x + 1);";
inline constexpr const char* kAtomicIncrement = "smp_mb(); __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);";

}  // namespace lmemu::test
