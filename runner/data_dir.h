// Where lmemu finds its guest kernel/ and built-in cases/: next to the
// binary that runs, not where it was built.
#pragma once

#include <filesystem>

namespace lmemu::runner {

// LMEMU_DATA_DIR if set; else the first of <exe>/../share/lmemu (an install
// prefix) and <exe>/.. (a build folder inside the source tree) that has a
// kernel/ folder; else the source tree lmemu was built from.
std::filesystem::path data_dir();

}  // namespace lmemu::runner
