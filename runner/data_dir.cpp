#include "runner/data_dir.h"

#include <cstdlib>

namespace lmemu::runner {

namespace fs = std::filesystem;

fs::path data_dir() {
    if (const char* d = std::getenv("LMEMU_DATA_DIR")) return d;
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec)
        for (const fs::path& candidate : {exe.parent_path().parent_path() / "share" / "lmemu", exe.parent_path().parent_path()})
            if (fs::is_directory(candidate / "kernel", ec)) return candidate;
    return LMEMU_SOURCE_DIR;
}

std::vector<fs::path> case_paths(const std::vector<std::string>& given) {
    if (!given.empty()) return {given.begin(), given.end()};
    return {data_dir() / "cases"};
}

}  // namespace lmemu::runner
