// lmemu's command line: every subcommand and option, checked as it is
// parsed (a bad value names what is allowed). Built apart from main() so the
// CLI fuzzer (fuzz/cli_fuzzer.cpp) parses exactly what lmemu parses.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "runner/run.h"

namespace lmemu::runner {

struct Cli {
    Cli();
    Cli(const Cli&) = delete;  // the options point into it
    Cli& operator=(const Cli&) = delete;
    // After a successful parse: the checked strings into `opt`.
    void finish();

    CLI::App app{"lmemu: arm64 lazy-MMU-mode page-table emulator"};
    CLI::App *run = nullptr, *ptdump = nullptr, *merge = nullptr, *bench = nullptr;

    RunOptions opt;
    std::vector<std::string> paths, merge_files;
    bool json = false, matrix = false, no_model = false;
    int jobs = 1, repeat = 20;
    std::string trace_spec, expect, shard, perfetto, junit, schedule, scenario, compare;
};

}  // namespace lmemu::runner
