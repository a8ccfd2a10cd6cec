#include "runner/bench.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <numeric>
#include <optional>

#include "runner/data_dir.h"
#include "runner/run.h"

namespace lmemu::runner {

namespace fs = std::filesystem;

namespace {

using clock = std::chrono::steady_clock;

double ms(clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

// The scenarios of bench/: each cell's scenario time (median of `repeat`
// runs, boot left out) per page-table store. Cells of one file differ only
// in how much work they do, so a cost per store that grows from the first
// cell to the last is a cost that is not O(1) per store.
void bench_scaling(Runner& runner, int repeat) {
    const fs::path dir = data_dir() / "bench";
    if (!fs::is_directory(dir)) return;
    for (const auto& file : Runner::collect({dir})) {
        if (file.extension() != ".toml") continue;
        CaseFile c;
        try {
            c = parse_case_file(file);
        } catch (const CaseError& e) {
            std::cerr << e.render();
            continue;
        }
        std::vector<std::string> parts;
        std::vector<double> per_store;
        for (const auto& cell : expand(c)) {
            const CellSettings s = settings_for(cell.config);
            CellOutcome o;
            const auto image = runner.build(cell, s, file.parent_path(), o);
            if (!image) {
                std::cerr << o.error;
                return;
            }
            std::vector<double> times;
            emu::RunResult last;
            for (int r = 0; r < repeat; ++r) {
                emu::Machine& m = runner.machine(image, s);
                const auto a = clock::now();
                last = m.run(s.machine({}, c.injections()));
                times.push_back(ms(clock::now() - a));
            }
            const double t = median(times);
            const uint64_t stores = std::max<uint64_t>(1, last.metrics.pte_writes);
            per_store.push_back(t * 1000 / static_cast<double>(stores));
            parts.push_back(fmt::format("[{}] {} stores in {:.1f} ms, {:.2f} us/store{}", cell.label(), stores, t,
                                        per_store.back(),
                                        last.verdict == lazymmu::Verdict::Clean
                                            ? ""
                                            : fmt::format(" ({})", lazymmu::to_string(last.verdict))));
        }
        fmt::print("  scaling      {}: {}", c.name, fmt::join(parts, "; "));
        if (per_store.size() > 1)
            fmt::print("; cost per store, last / first: {:.2f}x", per_store.back() / per_store.front());
        fmt::print("\n");
    }
}

}  // namespace

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
    for (const auto& file : Runner::collect(case_paths(paths))) {
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
    bench_scaling(runner, repeat);
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

}  // namespace lmemu::runner
