// Running cases: every matrix cell is built, booted and run once, and its
// result compared with the case's expectation. A case that cannot be read or
// built is an error for that case only; the others still run.
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "emu/machine.h"
#include "runner/case_file.h"
#include "runner/guest_build.h"

namespace lmemu::runner {

// LLVM lit's vocabulary: an expectation met is PASS; an unexpected verdict,
// including an unexpected clean run, is FAIL; a case that did not get as far
// as running is ERROR. RAN is a bare scenario file with nothing to compare.
enum class Status { Pass, Fail, Error, Ran };
const char* to_string(Status s);

// One run of a sweep: the injection at one occurrence of its point.
struct SweepPoint {
    std::string at;  // "pte_write:3"
    emu::RunResult result;
    std::vector<std::string> mismatches;
};

// How an explored cell's exploration went.
struct Exploration {
    std::string how;  // "exhaustive, preemption bound 2"
    uint64_t schedules = 0;
    bool complete = false;  // exhaustive: every schedule within the bound ran
    uint64_t states = 0;    // exhaustive with pruning: distinct states at choice points
    uint64_t pruned = 0;    // schedules that met a state seen before
    uint64_t blocks = 0;    // translated blocks over every schedule's run: what [explore] budget_blocks counts
    std::string stopped;    // why it stopped before that, if it did
    std::vector<std::pair<std::string, uint64_t>> outcomes;  // verdict -> schedules, in the order first seen
};

struct CellOutcome {
    std::string case_name;
    std::filesystem::path file;
    std::string cell = "default";
    std::string policy;
    std::string arch = "arm64";  // the arch model
    Status status = Status::Error;
    std::vector<std::string> mismatches;  // why it failed
    std::string error;                    // why it could not run (diagnostics as printed)
    std::optional<emu::RunResult> result;  // for a sweep: the point the report shows
    std::string sweep_at;                  // the swept point as written ("pte_write:*"), empty if none
    std::vector<SweepPoint> sweep;
    uint64_t sweep_occurrences = 0;  // of the swept point; more than sweep.size() when max_points cut it short
    // Per [[inject]], over every run of the cell (sweep points, schedules):
    // taken in any, and the most events its point had in one; and whether
    // any run went to its end (clean or warn) rather than stopping at an incident.
    std::vector<emu::RunResult::Injected> injected;
    bool a_run_ended = false;
    size_t sweep_shown = 0;  // the point `result` is from
    std::optional<Exploration> exploration;
    std::optional<std::string> schedule;  // of the run `result` is, when explored or replayed
    std::optional<Expect> expect;
    double build_ms = 0, run_ms = 0;
    int compiled = 0;
    std::vector<std::string> warnings;  // the case file's (CaseFile::warnings), on its first cell
};

struct RunOptions {
    emu::TraceModules trace;
    // Only cells whose coordinates include every one of these "key=value"
    // pairs (--cell); empty runs them all.
    std::vector<std::string> cell_filter;
    // For bare scenario files (`lmemu run scenario.c`), which have no [config].
    std::string policy = "arm64-v6.16";
    std::string arch = "arm64";  // the arch model for bare scenarios
    bool debug_pagealloc = true;
    bool rodata_full = true;
    std::string arch_features;  // "ETS2,BBML2"; empty: none
    uint64_t budget_blocks = emu::MachineConfig{}.budget_blocks;
    uint64_t timeout_ms = emu::MachineConfig{}.timeout_ms;
    int cpus = 1;
    // Boot each kernel once and run it again from its booted snapshot (see
    // emu/machine.h); false boots a fresh machine for every run.
    bool reuse_machines = true;
    // Every kernel will run again (bench): keep its machine from the first
    // run instead of booting it twice.
    bool keep_first_boot = false;
    // --schedule: replay this schedule (explore/schedule.h) instead of exploring.
    std::optional<std::vector<int>> schedule;
    // --shard I/N: only the cells whose "case [cell]" hashes to I-1 modulo N,
    // so N processes (GNU parallel, a Slurm array) split a run between them.
    int shard_index = 1, shard_count = 1;
    // --perfetto: record the timeline of each cell's shown run (Runner::timelines()).
    bool timelines = false;
    // --expect: what a bare scenario must give, so its exit status can fail CI (unset: it only runs).
    std::optional<Expect> scenario_expect;
    // -v/--reports: the report of every run that has one; otherwise only of
    // the runs that did not meet their expectations (and of bare scenarios,
    // which have none to meet: their report is what they give).
    bool all_reports = false;
};

// Whether `cell` has every "key=value" coordinate of `filter` (--cell).
bool selected_by(const Cell& cell, const std::vector<std::string>& filter);
// "clean", "hazard", "hazard:stale-tlb", "bug", ...: the expectation --expect gives, or why not.
std::optional<Expect> parse_expect_option(const std::string& spec, std::string& error);

// A bare scenario as a cell, configured from the command-line options.
Cell scenario_cell(GuestSource source, const RunOptions& options);

// Every cell a run of `files` covers with `options`, whatever its shard:
// what the shards of one run share, so `lmemu merge` can tell a complete
// set of them. Its id is a hash of the sorted "case [cell]" names.
struct CaseSet {
    std::string id;
    size_t cells = 0;
};
CaseSet case_set(const std::vector<std::filesystem::path>& files, const RunOptions& options);

class Runner {
public:
    explicit Runner(GuestBuilder& builder, RunOptions options = {}) : builder_(builder), options_(options) {}
    const RunOptions& options() const { return options_; }

    // Expands folders into their *.toml files, sorted, so runs are in a stable order.
    static std::vector<std::filesystem::path> collect(const std::vector<std::filesystem::path>& paths);

    std::vector<CellOutcome> run_path(const std::filesystem::path& file);
    std::vector<CellOutcome> run_case(const CaseFile& c);
    // One cell; `judged` false runs it without comparing with the case's
    // expectations (a policy the case does not declare, in --matrix).
    CellOutcome run_cell(const CaseFile& c, const Cell& cell, bool judged = true);
    CellOutcome run_scenario(const std::filesystem::path& c_file);

    // Builds a cell's kernel and loads its ELF (loaded once per process); null on error, with `out` saying why.
    std::shared_ptr<const emu::ElfImage> build(const Cell& cell, const CellSettings& s, const std::filesystem::path& dir,
                                               CellOutcome& out);
    // A booted machine for this kernel and configuration. The first time a
    // kernel is asked for, a machine for one run (unless keep_first_boot);
    // from the second on, one that keeps its booted state and is reused (the
    // least recently used of kMaxMachines goes first). With reuse_machines
    // off, a new one each time.
    // `repeats`: the caller will run it many times (exploration): keep it from the first run.
    emu::Machine& machine(const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s, bool repeats = false);
    uint64_t boots() const { return boots_; }  // machines booted so far
    // With RunOptions::timelines: per cell run, "case [cell]" and its shown run's timeline.
    const std::vector<std::pair<std::string, std::vector<emu::TimelineEvent>>>& timelines() const { return timelines_; }
    static constexpr size_t kMaxMachines = 128;

private:
    // `schedule`: replayed, with the quantum of exploration `x`.
    std::optional<emu::RunResult> execute(const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                                          std::vector<emu::Injection> injections, CellOutcome& out,
                                          const std::optional<std::vector<int>>& schedule = std::nullopt,
                                          const explore::ExploreConfig& x = {}, bool timeline = false);
    void judge(const Expect* e, CellOutcome& out);
    void run_sweep(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                   const Expect* e, CellOutcome& out);
    // By the cell's name (case and cell label), so that every shard agrees however the files were spelt.
    bool in_shard(const std::string& case_name, const std::string& cell) const;
    void record_timeline(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                         const CellOutcome& out);
    void run_explore(const CaseFile& c, const std::shared_ptr<const emu::ElfImage>& image, const CellSettings& s,
                     const Expect* e, CellOutcome& out);

    struct Booted {
        std::shared_ptr<const emu::ElfImage> image;
        std::unique_ptr<emu::Machine> machine;
        uint64_t last_used = 0;
    };
    std::map<std::string, std::shared_ptr<const emu::ElfImage>> images_;  // by ELF path
    std::map<std::string, Booted> machines_;  // by ELF path and machine configuration
    std::set<std::string> run_once_;          // kernels run so far on a machine for one run
    Booted one_shot_;                         // the latest such machine
    std::vector<std::pair<std::string, std::vector<emu::TimelineEvent>>> timelines_;
    uint64_t uses_ = 0;
    uint64_t boots_ = 0;

    GuestBuilder& builder_;
    RunOptions options_;
};

// Checks a result against an expectation; returns the mismatches.
std::vector<std::string> compare(const Expect& e, const emu::RunResult& r);
// The function an incident happened in: the innermost frame's symbol.
std::string incident_function(const emu::Incident& i);
// "clean", "hazard stale-tlb in scenario", "guest-fault": a run's verdict in a few words.
std::string verdict_text(const emu::RunResult& r);

}  // namespace lmemu::runner
