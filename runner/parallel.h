// `lmemu run -j N`: case files spread over N worker processes, each with its
// own Runner and machines; the results come back over pipes and are printed
// in the order a single process prints them. A file always goes to the same
// worker, so a file listed twice runs again on the machines that worker
// booted for it.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runner/run.h"

namespace lmemu::runner {

// What running one file gave: the text `lmemu run` prints for it (unless
// JSON was asked for), the JSON of each run, and each run's status.
struct FileResult {
    std::string text;
    std::vector<nlohmann::json> json;
    std::vector<Status> statuses;
};

// Reports as the runner's options say (RunOptions::all_reports).
FileResult run_file(Runner& runner, const std::filesystem::path& file, bool json);

// Runs `files` in `jobs` worker processes; results in the order of `files`.
std::vector<FileResult> run_files(const std::vector<std::filesystem::path>& files, const RunOptions& opt, int jobs,
                                  bool json);

}  // namespace lmemu::runner
