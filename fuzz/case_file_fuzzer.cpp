// libFuzzer target: bytes as a case file through everything `lmemu run`
// does before it builds a guest — parse, expand the matrix, settings and
// expectation per cell, injections. A CaseError is the right answer to bad
// input; anything else escaping, a crash or a sanitizer report is a finding.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "runner/case_file.h"

namespace fs = std::filesystem;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    // A folder of its own, with the source file a case may name.
    static const fs::path dir = [] {
        const fs::path d = fs::temp_directory_path() / ("lmemu-fuzz-" + std::to_string(getpid()));
        fs::create_directories(d);
        std::ofstream(d / "s.c") << "void scenario(void) {}\n";
        return d;
    }();
    const fs::path file = dir / "case.toml";
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    try {
        const auto c = lmemu::runner::parse_case_file(file);
        for (const auto& cell : lmemu::runner::expand(c)) {
            (void)lmemu::runner::settings_for(cell.config).machine();
            (void)lmemu::runner::match_expect(c, cell);
            (void)cell.label();
        }
        (void)c.injections();
    } catch (const lmemu::runner::CaseError& e) {
        (void)e.render();
    }
    return 0;
}
