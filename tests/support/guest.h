// Builds small guest kernels for tests, through the same GuestBuilder the
// CLI uses (objects cached in $LMEMU_CACHE, which ctest points into the build tree).
#pragma once

#include <map>
#include <string>

#include "emu/elf_image.h"

namespace lmemu::test {

// `code` defines scenario(); defines are passed as -D (CONFIG_...).
emu::ElfImage build_guest(const std::string& code, const std::map<std::string, std::string>& defines = {});

}  // namespace lmemu::test
