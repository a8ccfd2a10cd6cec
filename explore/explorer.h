// Schedule exploration: runs one booted machine again and again, each time
// under another schedule, and hands every run to the caller.
//
//  - exhaustive: every schedule with at most `preemption_bound` deviations
//    from the default (emu::deviations: switching away from a CPU that could
//    go on; holding back an interrupt a CPU could take; moving on from a CPU
//    that yields or idles is neither), depth first, by re-execution from the
//    booted snapshot. `complete` says whether all of them were run.
//  - random: each choice uniform among the choices, seeded.
//  - pct: probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010):
//    random CPU priorities and depth-1 random points where the running CPU
//    drops to the lowest; finds a bug of depth d with probability at least
//    1/(n k^(d-1)) per run, k being the number of choices. It takes
//    interrupts as soon as they can be taken.
//
// Exhaustive search prunes on states (`prune`): at a choice point whose
// machine state (emu/state_hash.cpp) an earlier run reached with at least as
// many deviations left, every continuation has run already, so this run
// takes the default from there on and offers no alternatives past it. Two
// orders of steps that commute (different CPUs, disjoint data) reach the
// same state, so this also cuts what partial-order reduction would; it sees
// them only where they meet at a choice point. What the report names but the
// state does not hold (which stores, which stacks) is the first path's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "emu/machine.h"

namespace lmemu::explore {

enum class Strategy { Exhaustive, Random, Pct };
const char* to_string(Strategy s);

struct ExploreConfig {
    Strategy strategy = Strategy::Exhaustive;
    int preemption_bound = 2;       // exhaustive: deviations from the default (emu::deviations)
    uint64_t max_schedules = 10000;  // every strategy stops there
    uint64_t seed = 1;              // random, pct
    int depth = 2;                  // pct: bug depth d
    uint64_t quantum_blocks = 16;   // a scheduling point after this many blocks without one
    bool prune = true;              // exhaustive: prune on states already seen
    // The whole exploration's budget, in translated blocks over all its runs
    // (each run has its own as well): what ends a search of schedules that
    // each run long, the same way on every machine, with a partial result.
    uint64_t budget_blocks = 1'000'000'000;
};

struct ExploreSummary {
    uint64_t schedules = 0;
    bool complete = false;  // exhaustive: every schedule within the bound ran
    uint64_t states = 0;    // exhaustive with pruning: distinct states seen at choice points
    uint64_t pruned = 0;    // runs that met a state seen before and took the default from there
    std::string error;      // a run that did not repeat its choices (nondeterminism): exploration stopped
};

// Called with each schedule (its choices, trimmed of trailing defaults) and
// its run; returning false stops the exploration.
using Visit = std::function<bool(const std::vector<int>& schedule, emu::RunResult&& result)>;

// One run under a configuration (its `choose` set by the exploration).
using RunFn = std::function<emu::RunResult(const emu::MachineConfig&)>;

ExploreSummary explore(const RunFn& run, emu::MachineConfig base, const ExploreConfig& cfg, const Visit& visit);
// Explores a booted machine, each run restored from its snapshot.
ExploreSummary explore(emu::Machine& m, emu::MachineConfig base, const ExploreConfig& cfg, const Visit& visit);

}  // namespace lmemu::explore
