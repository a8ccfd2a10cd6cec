// Where lmemu finds its guest kernel/ and built-in cases/: next to the
// binary that runs, not where it was built.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace lmemu::runner {

// LMEMU_DATA_DIR if set; else the first of <exe>/../share/lmemu (an install
// prefix) and <exe>/.. (a build folder inside the source tree) that has a
// kernel/ folder; else the source tree lmemu was built from.
std::filesystem::path data_dir();

// The paths given on the command line, or else the built-in cases.
std::vector<std::filesystem::path> case_paths(const std::vector<std::string>& given);

}  // namespace lmemu::runner
