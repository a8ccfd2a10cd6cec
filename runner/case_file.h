// Case files, format v1 (DESIGN.md §4): one TOML file holds the scenario, the
// kernel configuration, the matrix of runs and the expected verdict of each.
// Errors name file:line:column like a compiler and never stop other cases.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "emu/machine.h"
#include "explore/explorer.h"
#include "lazymmu/hazard.h"
#include "lazymmu/nesting.h"
#include "runner/guest_build.h"

namespace lmemu::runner {

struct SourcePos {
    std::filesystem::path file;
    int line = 0, column = 0;
};

// A user error in a case file: printed as "file:line:col: error: message",
// the source line, a caret, and an optional note ("did you mean 'policy'?").
class CaseError : public std::runtime_error {
public:
    // Reads the offending source line now, so the error renders the same later.
    CaseError(SourcePos pos, std::string message, std::string note = {});
    const SourcePos& pos() const { return pos_; }
    const std::string& note() const { return note_; }
    std::string render() const;

private:
    SourcePos pos_;
    std::string note_;
    std::string line_;
};

// One value of the kernel configuration: a bool, an integer or a string.
using ConfigValue = std::string;  // normalised: "true"/"false", decimal, or the string

// For a sweep (an [[inject]] at `*`) or an exploration: every point or
// schedule must meet the expectation (herd's `forall`), or at least one (`exists`).
enum class Quantifier { All, Some };

struct Expect {
    std::map<std::string, std::string> when;  // dimension -> value; empty matches every cell
    Quantifier points = Quantifier::All;
    Quantifier schedules = Quantifier::All;
    lazymmu::Verdict verdict = lazymmu::Verdict::Clean;
    std::optional<lazymmu::Hazard> hazard;
    std::optional<std::string> in;  // function of the innermost frame of the incident
    std::optional<uint64_t> lost_batching, deferred, pte_writes;
    SourcePos pos;
};

struct Dimension {
    std::string name;  // a config key (matrix) or a variant set name
    bool is_variant = false;
    std::vector<std::string> values;
    std::map<std::string, std::vector<GuestSource>> sources;  // variant value -> sources
};

// One [[inject]]: the injection and where its settings were written, for errors
// found once the kernel is built (a function that does not exist, a CPU the cell lacks).
struct InjectSpec {
    emu::Injection injection;
    // A sweep runs every occurrence of its point unless this caps it; a capped
    // sweep that stops short is partial, and "all" cannot hold for it.
    std::optional<uint64_t> max_points;
    SourcePos pos, at_pos, handler_pos, cpu_pos;
};

struct CaseFile {
    std::filesystem::path file;
    std::string name, summary;
    // [case] arch: the arch models the case's code is written for (one for
    // arch-specific code, several for generic code); the first is the default.
    std::vector<std::string> arches;
    SourcePos arches_pos;  // line 0 when [case] names none
    std::vector<std::string> refs;
    std::vector<GuestSource> sources;
    std::map<std::string, ConfigValue> config;  // after defaults; matrix dimensions override
    std::vector<Dimension> dimensions;          // matrix first, then variants, in file order
    std::vector<Expect> expects;
    std::vector<InjectSpec> injects;
    // The sweep among injects (written `*`), if any: one run per occurrence.
    std::optional<size_t> sweep;
    // [case] threads: CPU i runs threads[i](), all at once (a generated scenario()).
    std::vector<std::string> threads;
    SourcePos threads_pos;
    std::optional<explore::ExploreConfig> explore;  // [explore]
    // "file:line:col: warning: ..." lines: things that parse but cannot be meant (an [[expect]] no cell reaches).
    std::vector<std::string> warnings;

    // The machine's injections; a sweep's point counts its occurrences (nth 0) and fires none.
    std::vector<emu::Injection> injections() const;
};

// One matrix cell: one run.
struct Cell {
    std::vector<std::pair<std::string, std::string>> coords;  // dimension -> value, in dimension order
    std::map<std::string, ConfigValue> config;
    std::vector<GuestSource> sources;
    std::string label() const;  // "policy=arm64-v6.16,kernel_map_pages=upstream" or "default"
};

CaseFile parse_case_file(const std::filesystem::path& file);  // throws CaseError
// A case file's matrix and variants may give at most this many cells.
inline constexpr uint64_t kMaxCells = 10'000;
std::vector<Cell> expand(const CaseFile& c);
// First expectation whose `when` matches, as DESIGN §4 says; nullptr if none.
const Expect* match_expect(const CaseFile& c, const Cell& cell);

// The machine and build settings a cell's config selects.
struct CellSettings {
    bool debug_pagealloc = false;
    lazymmu::Policy policy = lazymmu::Policy::Arm64V616;
    lazymmu::ArchModel arch = lazymmu::ArchModel::Arm64;
    uint64_t budget_blocks = emu::MachineConfig{}.budget_blocks;
    uint64_t timeout_ms = emu::MachineConfig{}.timeout_ms;
    int cpus = 1;
    bool observe = true;  // false only for bench --no-model
    lazymmu::ArchFeatures arch_features;
    bool rodata_full = true;  // RODATA_FULL_DEFAULT_ENABLED, on unless a case turns it off, as in arm64's defconfig
    std::map<std::string, std::string> defines;  // for the guest compiler

    emu::MachineConfig machine(emu::TraceModules trace = {}, std::vector<emu::Injection> injections = {}) const {
        return {debug_pagealloc, policy, arch,          budget_blocks, timeout_ms, trace, cpus, std::move(injections),
                observe,         arch_features, rodata_full};
    }
};
CellSettings settings_for(const std::map<std::string, ConfigValue>& config);

std::string closest(const std::string& word, const std::vector<std::string>& candidates);

// Checks the case's injections against a built kernel and a cell's CPUs;
// throws CaseError naming the setting and what exists.
void check_injections(const CaseFile& c, const emu::ElfImage& image, int cpus);
// Checks that every thread function exists in the built kernel and that the
// cell has a CPU for each thread.
void check_threads(const CaseFile& c, const emu::ElfImage& image, int cpus);

}  // namespace lmemu::runner
