#include "tests/support/guest.h"

#include <stdexcept>

#include "lazymmu/nesting.h"
#include "runner/guest_build.h"

namespace lmemu::test {

emu::ElfImage build_guest(const std::string& code, const std::map<std::string, std::string>& defines) {
    runner::GuestBuilder builder(runner::GuestBuilder::default_kernel_dir(),
                                 runner::GuestBuilder::default_cache_dir());
    runner::GuestBuildRequest req;
    req.sources.push_back({"test-scenario.c", code});
    req.defines = defines;
    const auto r = builder.build(req);
    if (!r.elf) throw std::runtime_error("guest build failed:\n" + r.diagnostics);
    return emu::ElfImage::load(r.elf->string());
}

}  // namespace lmemu::test
