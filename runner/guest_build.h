// Builds a guest kernel ELF: the mini-kernel in kernel/ plus a case's own
// sources, compiled by clang for aarch64 and linked by ld.lld. Objects and
// images are cached by content hash, of the source and of every header its
// last compile read, so an unchanged case never recompiles and a changed
// header always does.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace lmemu::runner {

struct GuestSource {
    std::filesystem::path path;  // for diagnostics; the file itself unless `text` is set
    std::optional<std::string> text;  // inline code from a case file
    int first_line = 1;               // line of `path` where `text` starts
};

struct GuestBuildRequest {
    std::vector<GuestSource> sources;           // the scenario and any variant sources
    std::map<std::string, std::string> defines;  // CONFIG_... -> value
    std::vector<std::filesystem::path> include_dirs;  // the case's own folder, for local headers
};

struct GuestBuildResult {
    std::optional<std::filesystem::path> elf;
    std::string diagnostics;  // clang/ld.lld output as they printed it
    int compiled = 0;         // objects actually compiled (0 when fully cached)
};

class GuestBuilder {
public:
    // kernel_dir: the kernel/ folder; cache_dir: where objects and ELFs go,
    // trimmed to cache_limit_bytes (least recently used first) when opened.
    GuestBuilder(std::filesystem::path kernel_dir, std::filesystem::path cache_dir,
                 uint64_t cache_limit_bytes = default_cache_limit());

    GuestBuildResult build(const GuestBuildRequest& req);

    // Default locations: LMEMU_KERNEL_DIR / LMEMU_CACHE, else data_dir()/kernel and ~/.cache/lmemu.
    static std::filesystem::path default_kernel_dir();
    static std::filesystem::path default_cache_dir();
    // LMEMU_CACHE_MAX_MB, else 1 GiB.
    static uint64_t default_cache_limit();

private:
    void trim_cache(uint64_t limit);
    GuestBuildResult build_uncached(const GuestBuildRequest& req);
    std::optional<std::filesystem::path> compile(const std::filesystem::path& src, int first_line,
                                                 const std::string& text,
                                                 const std::vector<std::string>& flags, std::string& diag,
                                                 int& compiled);

    std::filesystem::path kernel_dir_, cache_dir_;
    std::vector<std::filesystem::path> kernel_sources_;
    // The kernel's objects per set of compiler flags (configuration), once found.
    std::map<std::string, std::vector<std::filesystem::path>> kernel_objects_;
    // Successful builds by request, as spelt: a process reads a source once,
    // so it sees the tree as it was when it first built that configuration.
    std::unordered_map<std::string, std::filesystem::path> built_;
};

// 64-bit FNV-1a, hex: stable across runs and machines, enough for a cache key.
std::string content_hash(const std::string& data);

}  // namespace lmemu::runner
