// libFuzzer target: bytes as an lmemu command line (arguments split at NUL
// bytes) through the parser lmemu uses and the conversions after it. A
// CLI::Error is the right answer to bad input; anything else escaping, a
// crash or a sanitizer report is a finding. Nothing is run.
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "runner/cli.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::vector<std::string> args{""};
    for (size_t i = 0; i < size; ++i) {
        if (data[i] == 0) args.emplace_back();
        else args.back() += static_cast<char>(data[i]);
    }
    std::vector<const char*> argv{"lmemu"};
    for (const auto& a : args) argv.push_back(a.c_str());
    lmemu::runner::Cli cli;
    try {
        cli.app.parse(static_cast<int>(argv.size()), argv.data());
        cli.finish();
    } catch (const CLI::Error& e) {
        std::ostringstream out, err;  // --help and the error text, as lmemu would print them
        (void)cli.app.exit(e, out, err);
    }
    return 0;
}
