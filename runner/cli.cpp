#include "runner/cli.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "explore/schedule.h"

namespace lmemu::runner {

Cli::Cli() : jobs(static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))) {
    app.require_subcommand(1);

    run = app.add_subcommand("run", "run case files (*.toml), folders of them, or bare scenario files (*.c)");
    run->add_option("paths", paths, "files or folders (default: the built-in cases/)");
    run->add_flag("--json", json, "print the results as JSON");
    run->add_flag("-v,--reports", opt.all_reports,
                  "print the report of every run with one (default: only of runs that did not meet their expectations)");
    run->add_option("-j,--jobs", jobs, "worker processes for case files (output in the same order as -j 1)")
        ->capture_default_str()
        ->check(CLI::Range(1, 64));
    auto* matrix_flag = run->add_flag("--matrix", matrix,
                  "one row per case and variant, one column per arch model and nesting policy (undeclared ones are run, "
                  "not judged)");
    run->add_flag("--trace{all}", trace_spec,
                  "include the event stream; optionally only some of: pgtable, barrier, lazymmu, alloc, console, sched")
        ->check([](const std::string& v) {
            return emu::TraceModules::parse(v) ? std::string{} : "--trace takes all or pgtable,barrier,lazymmu,alloc,console,sched";
        });
    // One value per --cell, so that `--cell arch=s390 DIR` leaves DIR a path.
    run->add_option("--cell", opt.cell_filter, "only the matrix cells with this coordinate, e.g. "
                                               "kernel_map_pages=save-restore (repeatable)")
        ->allow_extra_args(false);
    run->add_option("--policy", opt.policy, "nesting policy for bare .c scenarios")
        ->capture_default_str()
        ->check([](const std::string& v) {
            if (lazymmu::parse_policy(v)) return std::string{};
            std::vector<std::string> names;
            for (const auto& p : lazymmu::policies()) names.emplace_back(p.name);
            return fmt::format("--policy takes {}", fmt::join(names, ", "));
        });
    run->add_option("--arch", opt.arch, "arch model for bare .c scenarios")
        ->capture_default_str()
        ->check([](const std::string& v) {
            if (lazymmu::parse_arch_model(v)) return std::string{};
            return fmt::format("--arch takes {}", fmt::join(lazymmu::arch_model_names(), ", "));
        });
    run->add_option("--expect", expect,
                    "bare .c scenarios: the verdict they must give (clean, hazard, hazard:stale-tlb, bug, ...); "
                    "otherwise the exit status fails")
        ->check([](const std::string& v) {
            std::string error;
            return parse_expect_option(v, error) ? std::string{} : error;
        });
    run->add_flag("--debug-pagealloc,!--no-debug-pagealloc", opt.debug_pagealloc,
                  "DEBUG_PAGEALLOC for bare .c scenarios")->capture_default_str();
    run->add_option("--budget-blocks", opt.budget_blocks, "budget of bare .c scenarios, in translated blocks executed")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{1'000'000'000'000}));
    run->add_option("--timeout-ms", opt.timeout_ms, "wall-clock guard for bare .c scenarios")
        ->capture_default_str()
        ->check(CLI::Range(uint64_t{1}, uint64_t{3'600'000}));
    run->add_option("--cpus", opt.cpus, "CPUs for bare .c scenarios")->capture_default_str()->check(CLI::Range(1, 4));
    // What the linear map is built with (boot.cpp map_linear()) follows from these two.
    auto machine_options = [&](CLI::App* sub) {
        sub->add_flag("!--no-rodata-full", opt.rodata_full,
                      "bare .c scenarios: rodata=full off (CONFIG_RODATA_FULL_DEFAULT_ENABLED=n): the linear map is built "
                      "with blocks");
        sub->add_option("--arch-features", opt.arch_features, "bare .c scenarios: optional CPU features, e.g. ETS2,BBML2")
            ->check([](const std::string& v) {
                return lazymmu::parse_arch_features(v) ? std::string{} : "--arch-features takes ETS2, BBML2, LPA2 (comma-separated) or none";
            });
    };
    machine_options(run);
    run->add_flag("!--no-reuse", opt.reuse_machines,
                  "boot a fresh machine for every run instead of restoring a booted one (same reports, slower)");
    auto* shard_option = run->add_option("--shard", shard, "I/N: run only this process's share of the cells (1 <= I <= N), e.g. for GNU "
                                      "parallel or a Slurm array; lmemu merge combines the shards' --json")
        ->check([](const std::string& v) {
            int i = 0, n = 0;
            char tail = 0;
            return std::sscanf(v.c_str(), "%d/%d%c", &i, &n, &tail) == 2 && n >= 1 && i >= 1 && i <= n
                       ? std::string{}
                       : "--shard takes I/N with 1 <= I <= N, e.g. 2/8";
        });
    run->add_option("--junit", junit, "also write the results as JUnit XML to this file, for CI");
    // A table of every cell of a case in one process: a share of them would be a table with holes.
    matrix_flag->excludes(shard_option);
    run->add_option("--perfetto", perfetto,
                    "write the run's timeline (one track per CPU: tasks, lazy sections, interrupts, page-table writes, "
                    "barriers, TLBIs, hand-overs, the hazard) to this file, for ui.perfetto.dev; one cell");
    run->add_option("--schedule", schedule,
                    "replay this schedule (as a report prints it, e.g. '0x3,1x2,*') instead of exploring")
        ->check([](const std::string& v) {
            std::string error;
            return explore::parse_schedule(v, error) ? std::string{} : error;
        });

    ptdump = app.add_subcommand("ptdump", "print the booted kernel's page tables (kernel_page_tables style)");
    ptdump->add_option("scenario", scenario, "a scenario .c: dump the tables as it leaves them (default: just booted)");
    ptdump->add_flag("--debug-pagealloc,!--no-debug-pagealloc", opt.debug_pagealloc, "boot with DEBUG_PAGEALLOC");
    machine_options(ptdump);

    merge = app.add_subcommand("merge", "combine the --json of several lmemu run shards into one run's lines and totals");
    merge->add_option("files", merge_files, "lmemu run --json outputs")->required()->check(CLI::ExistingFile);
    merge->add_flag("--json", json, "the merged cells as JSON");

    bench = app.add_subcommand("bench", "time warm runs of the built-in cases");
    bench->add_option("paths", paths, "files or folders (default: the built-in cases/)");
    bench->add_option("--repeat", repeat, "runs of each cell")->capture_default_str()->check(CLI::PositiveNumber);
    bench->add_flag("!--no-reuse", opt.reuse_machines, "boot a fresh machine for every run");
    bench->add_flag("--no-model", no_model,
                    "also run every cell unobserved (no model, pool and walks plain, barriers native) and print what "
                    "the model costs as ratios to that floor");
    bench->add_option("--compare", compare,
                      "another lmemu binary: run its bench and this one's in turn, three times, and print the ratios")
        ->check(CLI::ExistingFile);

}

void Cli::finish() {
    if (!trace_spec.empty()) opt.trace = *emu::TraceModules::parse(trace_spec);
    if (!shard.empty()) std::sscanf(shard.c_str(), "%d/%d", &opt.shard_index, &opt.shard_count);
    if (!schedule.empty()) {
        std::string error;
        opt.schedule = explore::parse_schedule(schedule, error);
    }
    if (!expect.empty()) {
        std::string error;
        opt.scenario_expect = parse_expect_option(expect, error);
    }
}

}  // namespace lmemu::runner
