// lmemu: run lazy-MMU cases and scenarios, dump the booted page tables, and
// measure how fast runs go.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <iostream>
#include <numeric>
#include <optional>
#include <set>
#include <thread>

#include <unistd.h>

#include "explore/schedule.h"
#include "runner/bench.h"
#include "runner/cli.h"
#include "runner/data_dir.h"
#include "runner/merge.h"
#include "runner/matrix.h"
#include "runner/parallel.h"
#include "runner/report.h"
#include "runner/run.h"

using namespace lmemu;
using namespace lmemu::runner;
namespace fs = std::filesystem;

namespace {

int cmd_matrix(const std::vector<std::string>& paths, const RunOptions& opt, bool json) {
    GuestBuilder builder(GuestBuilder::default_kernel_dir(), GuestBuilder::default_cache_dir());
    Runner runner(builder, opt);
    const Matrix m = run_matrix(runner, Runner::collect(case_paths(paths)));
    if (json) std::cout << matrix_json(m).dump(2) << "\n";
    else std::cout << render_matrix(m);
    return m.ok() && !m.rows.empty() ? 0 : 1;
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

// Why `path` cannot be written, if it cannot: said before a run, not after it.
std::optional<std::string> unwritable(const std::string& path) {
    const fs::path p(path);
    const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
    std::error_code ec;
    if (fs::is_directory(p, ec)) return "it is a folder";
    if (!fs::is_directory(dir, ec)) return fmt::format("there is no folder {}", dir.string());
    if (fs::exists(p, ec) ? access(p.c_str(), W_OK) != 0 : access(dir.c_str(), W_OK) != 0)
        return fmt::format("{}: {}", fs::exists(p, ec) ? p.string() : dir.string(), std::strerror(errno));
    return std::nullopt;
}

int cmd_run(const std::vector<std::string>& paths, const RunOptions& opt, bool json, int jobs, const std::string& perfetto,
            const std::string& junit) {
    for (const auto& [option, path] : {std::pair{"--junit", junit}, std::pair{"--perfetto", perfetto}})
        if (!path.empty())
            if (const auto why = unwritable(path)) {
                std::cerr << fmt::format("lmemu run: {} {}: cannot write there ({})\n", option, path, *why);
                return 2;
            }
    const auto files = Runner::collect(case_paths(paths));
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
    std::vector<nlohmann::json> out;
    for (const auto& r : results) {
        if (parallel && !json) std::cout << r.text;
        for (const auto& j : r.json) out.push_back(j);
        for (const Status st : r.statuses) all.emplace_back().status = st;
    }
    if (json) {
        std::cout << run_json(out, opt.shard_index, opt.shard_count, case_set(files, opt)).dump(2) << "\n";
    } else {
        std::cout << (files.size() > 1 ? render_case_table(out) + "\n" : "") << render_totals(all) << "\n";
    }
    if (!junit.empty()) {
        std::ofstream f(junit);
        f << junit_xml(out);
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
    const Cell cell = scenario_cell(scenario.empty()
                                        ? GuestSource{"ptdump-scenario.c", std::string("void scenario(void) {}\n")}
                                        : GuestSource{scenario, std::nullopt},
                                    opt);
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
