// lmemu: run lazy-MMU cases and scenarios, dump the booted page tables, and
// measure how fast runs go.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <iostream>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include "explore/schedule.h"
#include "runner/cli.h"
#include "runner/data_dir.h"
#include "runner/matrix.h"
#include "runner/parallel.h"
#include "runner/report.h"
#include "runner/run.h"

using namespace lmemu;
using namespace lmemu::runner;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> default_paths(const std::vector<std::string>& given) {
    if (!given.empty()) return {given.begin(), given.end()};
    return {data_dir() / "cases"};
}

int cmd_matrix(const std::vector<std::string>& paths, const RunOptions& opt, bool json) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    Runner runner(builder, opt);
    const Matrix m = run_matrix(runner, Runner::collect(default_paths(paths)));
    if (json) std::cout << matrix_json(m).dump(2) << "\n";
    else std::cout << render_matrix(m);
    return m.ok() && !m.rows.empty() ? 0 : 1;
}

// Whether a run passed: every cell met its expectation (or had none); a
// shard may hold no cell at all, a whole run must hold one.
int exit_status(const std::vector<CellOutcome>& all, bool may_be_empty) {
    const bool ok = std::all_of(all.begin(), all.end(),
                                [](const CellOutcome& o) { return o.status == Status::Pass || o.status == Status::Ran; });
    return ok && (!all.empty() || may_be_empty) ? 0 : 1;
}

// A --cell that selects no cell of any case file is a typo, not an empty
// success: says so with the coordinates there are. Case files that do not
// parse are left to the run to report.
bool cell_filter_matches(const std::vector<fs::path>& files, const std::vector<std::string>& filter) {
    if (filter.empty()) return true;
    std::map<std::string, std::set<std::string>> coords;
    for (const auto& file : files) {
        if (file.extension() != ".toml") return true;  // a bare scenario's coordinates are its options
        try {
            for (const auto& cell : expand(parse_case_file(file))) {
                if (selected_by(cell, filter)) return true;
                for (const auto& [k, v] : cell.coords) coords[k].insert(v);
            }
        } catch (const CaseError&) {
            return true;
        }
    }
    std::string have;
    for (const auto& [k, vs] : coords) have += fmt::format("\n  {}={}", k, fmt::join(vs, "|"));
    std::cerr << fmt::format("lmemu run: --cell {} matches no cell{}\n", fmt::join(filter, " --cell "),
                             have.empty() ? std::string(" (the cases have no matrix)") : ", which have:" + have);
    return false;
}

int cmd_run(const std::vector<std::string>& paths, const RunOptions& opt, bool json, int jobs, const std::string& perfetto,
            const std::string& junit) {
    const auto files = Runner::collect(default_paths(paths));
    if (!cell_filter_matches(files, opt.cell_filter)) return 2;
    // A timeline comes from one cell, in this process.
    const bool parallel = jobs > 1 && files.size() > 1 && perfetto.empty();
    std::vector<FileResult> results;
    std::optional<std::pair<std::string, std::vector<emu::TimelineEvent>>> timeline;
    if (parallel) {
        results = run_files(files, opt, std::min<int>(jobs, static_cast<int>(files.size())), json);
    } else {
        GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
        RunOptions o = opt;
        o.timelines = !perfetto.empty();
        Runner runner(builder, o);
        // With the results going to a file or pipe, a terminal still sees how far the run is.
        const bool progress = isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO) && files.size() > 1;
        size_t failed = 0;
        for (size_t i = 0; i < files.size(); ++i) {
            if (progress)
                fmt::print(stderr, "\r\033[K[{}/{} case files, {} failed] {}", i + 1, files.size(), failed,
                           files[i].filename().string());
            results.push_back(run_file(runner, files[i], json));
            failed += std::count_if(results.back().statuses.begin(), results.back().statuses.end(),
                                    [](Status st) { return st == Status::Fail || st == Status::Error; });
            if (!json) std::cout << results.back().text << std::flush;  // as it goes, with one process
        }
        if (progress) fmt::print(stderr, "\r\033[K");
        if (o.timelines) {
            if (runner.timelines().size() != 1) {
                std::cerr << fmt::format("lmemu run --perfetto: writes the timeline of one run, and {} cell(s) ran; "
                                         "choose one with a case file and --cell\n",
                                         runner.timelines().size());
                return 2;
            }
            timeline = runner.timelines().front();
        }
    }
    std::vector<CellOutcome> all;  // statuses, for the totals
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : results) {
        if (parallel && !json) std::cout << r.text;
        for (const auto& j : r.json) out.push_back(j);
        for (const Status st : r.statuses) all.emplace_back().status = st;
    }
    if (json) std::cout << out.dump(2) << "\n";
    else std::cout << (files.size() > 1 ? render_case_table({out.begin(), out.end()}) + "\n" : "") << render_totals(all) << "\n";
    if (!junit.empty()) {
        std::ofstream f(junit);
        f << junit_xml({out.begin(), out.end()});
        if (!f) {
            std::cerr << fmt::format("lmemu run --junit: cannot write {}\n", junit);
            return 2;
        }
    }
    if (timeline) {
        std::ofstream f(perfetto);
        f << perfetto_json(timeline->first, timeline->second).dump() << "\n";
        if (!f) {
            std::cerr << fmt::format("lmemu run --perfetto: cannot write {}\n", perfetto);
            return 2;
        }
        std::cerr << fmt::format("wrote {} ({} events): open it in ui.perfetto.dev or chrome://tracing\n", perfetto,
                                 timeline->second.size());
    }
    return exit_status(all, opt.shard_count > 1);
}

int cmd_ptdump(const std::string& scenario, const RunOptions& opt) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    Runner runner(builder, opt);
    const Cell cell = runner.scenario_cell(scenario.empty()
                                               ? GuestSource{"ptdump-scenario.c", std::string("void scenario(void) {}\n")}
                                               : GuestSource{scenario, std::nullopt});
    const CellSettings s = settings_for(cell.config);
    CellOutcome out;
    const auto image = runner.build(cell, s, scenario.empty() ? fs::current_path() : fs::path(scenario).parent_path(), out);
    if (!image) {
        std::cerr << out.error;
        return 1;
    }
    emu::Machine m(*image, s.machine());
    if (!scenario.empty()) {
        // The tables as the scenario left them (what the CPU wrote).
        const auto r = m.run();
        std::cerr << fmt::format("{}: {}\n", scenario, lazymmu::to_string(r.verdict));
    }
    std::cout << m.ptdump();
    return 0;
}

// Runs every cell `repeat` times with a warm compile cache and reports wall
// time per run and per phase (cache lookup and ELF load, machine boot,
// scenario) and runs per second. Cells expected to time out are left out:
// they would measure their own time budget. With `no_model`, the same rounds
// run again unobserved (MachineConfig::observe), and the ratios of the two
// say what the model costs over Unicorn on the same work. (One mode after
// the other: both at once would not fit the runner's booted machines.)
int cmd_bench(const std::vector<std::string>& paths, int repeat, bool reuse, bool no_model) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    RunOptions opt;
    opt.reuse_machines = reuse;
    opt.keep_first_boot = repeat > 1;
    Runner runner(builder, opt);
    struct Job {
        Cell cell;
        CellSettings settings;
        fs::path dir;
        std::vector<emu::Injection> injections;  // a sweep's point only counted: one run per cell
    };
    std::vector<Job> jobs;
    std::vector<CaseFile> explored;
    int skipped = 0;
    for (const auto& file : Runner::collect(default_paths(paths))) {
        if (file.extension() != ".toml") continue;
        try {
            const CaseFile c = parse_case_file(file);
            if (c.explore) explored.push_back(c);
            for (auto& cell : expand(c)) {
                const Expect* e = match_expect(c, cell);
                if (e && e->verdict == lazymmu::Verdict::Timeout) {
                    ++skipped;
                    continue;
                }
                jobs.push_back({cell, settings_for(cell.config), file.parent_path(), c.injections()});
            }
        } catch (const CaseError& e) {
            std::cerr << e.render();
        }
    }
    if (jobs.empty()) {
        std::cerr << "lmemu bench: no cases found\n";
        return 1;
    }
    // Warm the compile cache first: the benchmark measures runs, not clang.
    for (const auto& j : jobs) {
        CellOutcome o;
        if (!runner.build(j.cell, j.settings, j.dir, o)) {
            std::cerr << o.error;
            return 1;
        }
    }
    using clock = std::chrono::steady_clock;
    auto ms = [](clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); };
    struct Timings {
        std::vector<double> per_run, load, boot, scenario;
        double wall = 0;  // seconds
        uint64_t boots = 0;
    };
    auto measure = [&](bool observe, Timings& t) {
        const auto t0 = clock::now();
        const uint64_t boots = runner.boots();
        for (int r = 0; r < repeat; ++r) {
            for (const auto& j : jobs) {
                CellSettings s = j.settings;
                s.observe = observe;
                const auto a = clock::now();
                CellOutcome o;
                const auto image = runner.build(j.cell, s, j.dir, o);  // a cache hit
                const auto b = clock::now();
                emu::Machine& m = runner.machine(image, s);  // boots only if not kept from a run before
                const auto c = clock::now();
                (void)m.run(s.machine({}, j.injections));
                const auto d = clock::now();
                t.load.push_back(ms(b - a));
                t.boot.push_back(ms(c - b));
                t.scenario.push_back(ms(d - c));
                t.per_run.push_back(ms(d - a));
            }
        }
        t.wall = std::chrono::duration<double>(clock::now() - t0).count();
        t.boots = runner.boots() - boots;
    };
    Timings observed, floor;
    measure(true, observed);
    if (no_model) measure(false, floor);
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    auto sum = [](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
    std::vector<double> sorted = observed.per_run;
    std::sort(sorted.begin(), sorted.end());
    auto pct = [&](double p) { return sorted[std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()))]; };
    const size_t runs = observed.per_run.size();
    fmt::print("lmemu bench: {} cells x {} repeats = {} runs (warm compile cache, one core, {})", jobs.size(), repeat,
               runs, reuse ? "each kernel booted once" : "a fresh machine per run");
    if (skipped) fmt::print("; {} timeout cell(s) left out", skipped);
    fmt::print("\n  wall total   {:.3f} s\n", observed.wall);
    fmt::print("  runs/second  {:.1f}\n", static_cast<double>(runs) / observed.wall);
    fmt::print("  per run      median {:.2f} ms, p10 {:.2f} ms, p90 {:.2f} ms, max {:.2f} ms\n", median(observed.per_run),
               pct(0.1), pct(0.9), sorted.back());
    fmt::print("  phases       cache+ELF {:.2f} ms, boot {:.2f} ms, run {:.2f} ms (medians; a reused machine's "
               "restore is in run)\n",
               median(observed.load), median(observed.boot), median(observed.scenario));
    // Per arch model: its runs' own time (cache lookup, boot and run), so the models compare.
    auto model_runs = [&](const Timings& t, lazymmu::ArchModel a) {
        std::vector<double> v;
        for (size_t i = 0; i < t.per_run.size(); ++i)
            if (jobs[i % jobs.size()].settings.arch == a) v.push_back(t.per_run[i]);
        return v;
    };
    for (const auto& a : lazymmu::arch_models()) {
        const auto v = model_runs(observed, a.model);
        if (v.empty()) continue;
        fmt::print("  {:<12} {} runs, {:.1f} runs/s, median {:.2f} ms", a.name, v.size(),
                   static_cast<double>(v.size()) * 1000 / sum(v), median(v));
        if (no_model) {
            const auto f = model_runs(floor, a.model);
            fmt::print(", {:.2f}x the unobserved runs", sum(v) / sum(f));
        }
        fmt::print("\n");
    }
    if (!explored.empty()) {
        // Exploration as `lmemu run` does it: every explored cell once; then
        // again without pruning on states, for what pruning saves.
        struct Sweep {
            uint64_t schedules = 0, states = 0, pruned = 0;
            double ms = 0;
            size_t cells = 0;
            double per_second() const { return ms > 0 ? static_cast<double>(schedules) * 1000 / ms : 0.0; }
        };
        auto sweep = [&](bool prune) {
            Sweep s;
            for (CaseFile c : explored) {
                c.explore->prune = prune && c.explore->prune;
                for (const auto& cell : expand(c)) {
                    const CellOutcome out = runner.run_cell(c, cell);
                    if (!out.exploration) continue;
                    s.schedules += out.exploration->schedules;
                    s.states += out.exploration->states;
                    s.pruned += out.exploration->pruned;
                    s.ms += out.run_ms;
                    ++s.cells;
                }
            }
            return s;
        };
        const Sweep pruned = sweep(true), full = sweep(false);
        fmt::print("  exploration  {} schedules in {:.3f} s over {} explored cell(s): {:.0f} schedules/s; {} distinct "
                   "states, {} schedules met one seen before\n",
                   pruned.schedules, pruned.ms / 1000, pruned.cells, pruned.per_second(), pruned.states, pruned.pruned);
        fmt::print("  unpruned     {} schedules in {:.3f} s: {:.0f} schedules/s (pruning: {:.2f}x the schedules, {:.2f}x "
                   "the time)\n",
                   full.schedules, full.ms / 1000, full.per_second(),
                   full.schedules ? static_cast<double>(pruned.schedules) / static_cast<double>(full.schedules) : 0.0,
                   full.ms > 0 ? pruned.ms / full.ms : 0.0);
    }
    if (!no_model) return 0;
    // Means, not medians: a reused machine boots once per kernel, and the
    // ratio of totals is what a user waits for.
    auto per_boot = [&](const Timings& t) { return t.boots ? sum(t.boot) / static_cast<double>(t.boots) : 0.0; };
    const double boot_lmemu = per_boot(observed), boot_floor = per_boot(floor);
    const double run_lmemu = sum(observed.scenario) / static_cast<double>(runs);
    const double run_floor = sum(floor.scenario) / static_cast<double>(runs);
    fmt::print("no model (the same runs unobserved: Unicorn, the hypercalls and the budget hook)\n");
    fmt::print("  wall total   {:.3f} s, {:.1f} runs/s\n", floor.wall, static_cast<double>(runs) / floor.wall);
    fmt::print("  phases       cache+ELF {:.2f} ms, boot {:.2f} ms per boot, run {:.2f} ms (means)\n",
               sum(floor.load) / static_cast<double>(runs), boot_floor, run_floor);
    fmt::print("lmemu / no model: wall {:.2f}x, boot {:.2f}x ({:.2f} vs {:.2f} ms), run {:.2f}x ({:.3f} vs {:.3f} ms)\n",
               observed.wall / floor.wall, boot_lmemu / boot_floor, boot_lmemu, boot_floor, run_lmemu / run_floor,
               run_lmemu, run_floor);
    return 0;
}

// `lmemu merge A.json B.json ...`: the cells of several `run --json` outputs
// (shards) as one run: a line per cell, sorted by case and cell, and the totals.
int cmd_merge(const std::vector<std::string>& files, bool json) {
    std::map<std::pair<std::string, std::string>, std::pair<nlohmann::json, std::string>> cells;
    for (const auto& f : files) {
        std::ifstream in(f);
        nlohmann::json j;
        try {
            in >> j;
        } catch (const std::exception& e) {
            std::cerr << fmt::format("lmemu merge: {}: not the JSON of lmemu run --json: {}\n", f, e.what());
            return 2;
        }
        if (!j.is_array()) {
            std::cerr << fmt::format("lmemu merge: {}: not the JSON of lmemu run --json (an array of cells)\n", f);
            return 2;
        }
        for (auto& cell : j) {
            const auto key = std::make_pair(cell.value("case", std::string{}), cell.value("cell", std::string{}));
            if (const auto it = cells.find(key); it != cells.end()) {
                std::cerr << fmt::format("lmemu merge: {} [{}] is in both {} and {}: the shards overlap\n", key.first,
                                         key.second, it->second.second, f);
                return 2;
            }
            cells.emplace(key, std::make_pair(std::move(cell), f));
        }
    }
    std::vector<CellOutcome> all;
    nlohmann::json merged = nlohmann::json::array();
    for (const auto& [key, value] : cells) {
        const auto& c = value.first;
        const std::string status = c.value("status", std::string{"ERROR"});
        auto& o = all.emplace_back();  // Status::Error unless it names another
        for (const auto st : {Status::Pass, Status::Fail, Status::Ran})
            if (status == to_string(st)) o.status = st;
        if (json) {
            merged.push_back(c);
            continue;
        }
        std::string what = c.value("verdict", std::string{"error"});
        if (c.contains("incident") && c["incident"].is_object() && c["incident"]["hazard"].is_string())
            what += fmt::format(" {} in {}", c["incident"]["hazard"].get<std::string>(),
                                c["incident"].value("function", std::string{"?"}));
        if (c.contains("exploration")) {
            const auto& x = c["exploration"];
            std::vector<std::string> parts;
            for (const auto& o : x["outcomes"]) parts.push_back(fmt::format("{} {}", o["schedules"].get<uint64_t>(), o["summary"].get<std::string>()));
            what = fmt::format("explored {} schedule(s) ({}): {}", x["schedules"].get<uint64_t>(), x["how"].get<std::string>(),
                               fmt::join(parts, ", "));
        }
        fmt::print("{:<5} {} [{}]: {}\n", status, key.first, key.second, what);
        for (const auto& m : c.value("mismatches", std::vector<std::string>{})) fmt::print("  {}\n", m);
    }
    if (json) std::cout << merged.dump(2) << "\n";
    else std::cout << render_totals(all) << "\n";
    return exit_status(all, false);
}

// `lmemu bench --compare OTHER`: this build's bench and another's, each in
// its own process, alternating three times on the same cases; the ratio of
// their runs/second in each round (noisy machines: ratios within one round
// are what counts).
int cmd_compare(const std::string& other, const std::vector<std::string>& paths, int repeat) {
    auto bench_of = [&](const std::string& binary) -> std::optional<double> {
        std::string cmd = fmt::format("'{}' bench --repeat {}", binary, repeat);
        for (const auto& p : paths) cmd += fmt::format(" '{}'", p);
        cmd += " 2>/dev/null";
        FILE* pipe = popen(cmd.c_str(), "r");
        if (!pipe) return std::nullopt;
        std::optional<double> runs_per_second;
        char line[512];
        while (fgets(line, sizeof line, pipe))
            if (double v; std::sscanf(line, " runs/second %lf", &v) == 1) runs_per_second = v;
        if (pclose(pipe) != 0) return std::nullopt;
        return runs_per_second;
    };
    const std::string self = fs::read_symlink("/proc/self/exe").string();
    if (paths.empty())
        std::cerr << "lmemu bench --compare: no cases given, so each build runs its own built-in cases\n";
    std::vector<double> ratios;
    for (int round = 1; round <= 3; ++round) {
        const auto theirs = bench_of(other);
        const auto ours = bench_of(self);
        if (!theirs || !ours) {
            std::cerr << fmt::format("lmemu bench --compare: {} did not run its bench\n", !theirs ? other : self);
            return 1;
        }
        ratios.push_back(*ours / *theirs);
        fmt::print("round {}: this build {:.1f} runs/s, {} {:.1f} runs/s: {:.2f}x\n", round, *ours, other, *theirs,
                   ratios.back());
    }
    std::sort(ratios.begin(), ratios.end());
    fmt::print("median ratio {:.2f}x (this build / the other)\n", ratios[1]);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Cli cli;
    CLI11_PARSE(cli.app, argc, argv);
    cli.finish();
    const RunOptions& opt = cli.opt;
    try {
        if (*cli.run)
            return cli.matrix ? cmd_matrix(cli.paths, opt, cli.json)
                              : cmd_run(cli.paths, opt, cli.json, cli.jobs, cli.perfetto, cli.junit);
        if (*cli.ptdump) return cmd_ptdump(cli.scenario, opt);
        if (*cli.merge) return cmd_merge(cli.merge_files, cli.json);
        if (*cli.bench)
            return cli.compare.empty() ? cmd_bench(cli.paths, cli.repeat, opt.reuse_machines, cli.no_model)
                                       : cmd_compare(cli.compare, cli.paths, cli.repeat);
    } catch (const std::exception& e) {
        std::cerr << "lmemu: error: " << e.what() << "\n";
        return 2;
    }
    return 0;
}
