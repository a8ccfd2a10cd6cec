#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "runner/guest_build.h"

using namespace lmemu::runner;
namespace fs = std::filesystem;

TEST_CASE("guest build: a second build of the same sources compiles nothing; a change recompiles one object") {
    // A cache of its own, so the first build really compiles.
    const fs::path cache = fs::temp_directory_path() /
                           ("lmemu-cache-test-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    GuestBuilder b(GuestBuilder::default_kernel_dir(), cache);
    GuestBuildRequest req;
    req.sources.push_back({"scenario.c", std::string("void scenario(void) {}\n")});

    const auto first = b.build(req);
    REQUIRE(first.elf);
    CHECK(first.compiled > 10);  // the whole kernel
    const auto second = b.build(req);
    REQUIRE(second.elf);
    CHECK(second.compiled == 0);
    CHECK(*second.elf == *first.elf);

    req.sources[0].text = "void scenario(void) { for (volatile int i = 0; i < 2; i++); }\n";
    const auto third = b.build(req);
    REQUIRE(third.elf);
    CHECK(third.compiled == 1);
    CHECK(*third.elf != *first.elf);
    fs::remove_all(cache);
}

TEST_CASE("guest build: compiler errors come back as clang printed them, naming the source") {
    const fs::path cache = fs::temp_directory_path() / "lmemu-cache-test-errors";
    GuestBuilder b(GuestBuilder::default_kernel_dir(), cache);
    GuestBuildRequest req;
    req.sources.push_back({"cases/x.toml", std::string("void scenario(void) { nope(); }\n"), 12});
    const auto r = b.build(req);
    CHECK_FALSE(r.elf);
    CHECK(r.diagnostics.find("cases/x.toml:12:23: error: implicit declaration of function 'nope'") !=
          std::string::npos);
    fs::remove_all(cache);
}

namespace {
fs::path fresh_dir(const std::string& name) {
    const fs::path d = fs::temp_directory_path() /
                       (name + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
    fs::create_directories(d);
    return d;
}
}  // namespace

TEST_CASE("guest build: the cache key covers every header the compile read, in any folder, however the source is named") {
    const fs::path cache = fresh_dir("lmemu-cache-test-deps-");
    const fs::path dir = fresh_dir("lmemu-case-test-");
    fs::create_directories(dir / "sub");
    std::ofstream(dir / "sub" / "value.h") << "#define VALUE 1\n";
    std::ofstream(dir / "scenario.c") << "#include \"sub/value.h\"\nint value = VALUE;\nvoid scenario(void) {}\n";
    auto build = [&](const fs::path& src) {
        GuestBuilder b(GuestBuilder::default_kernel_dir(), cache);  // a new process: nothing remembered
        GuestBuildRequest req;
        req.sources.push_back({src, std::nullopt});
        req.include_dirs = {dir};
        return b.build(req);
    };
    const auto first = build(dir / "scenario.c");
    REQUIRE(first.elf);
    const auto respelt = build(dir / "sub" / ".." / "scenario.c");
    REQUIRE(respelt.elf);
    CHECK(respelt.compiled == 0);
    CHECK(*respelt.elf == *first.elf);

    std::ofstream(dir / "sub" / "value.h") << "#define VALUE 2\n";
    const auto edited = build(dir / "scenario.c");
    REQUIRE(edited.elf);
    CHECK(edited.compiled == 1);  // the scenario; no kernel object read that header
    CHECK(*edited.elf != *first.elf);
    fs::remove_all(cache);
    fs::remove_all(dir);
}

TEST_CASE("guest build: the cache is trimmed to its limit, least recently used first, and dead processes' folders go") {
    const fs::path cache = fresh_dir("lmemu-cache-test-trim-");
    fs::create_directories(cache / "obj");
    fs::create_directories(cache / "tmp" / "999999999");  // no such process
    const std::string kib(1024, 'x');
    const auto now = fs::file_time_type::clock::now();
    for (int i = 0; i < 8; ++i) {
        const fs::path p = cache / "obj" / (std::to_string(i) + ".o");
        std::ofstream(p) << kib;
        fs::last_write_time(p, now - std::chrono::hours(8 - i));  // 0 is the oldest
    }
    GuestBuilder b(GuestBuilder::default_kernel_dir(), cache, 4 * 1024);
    CHECK_FALSE(fs::exists(cache / "tmp" / "999999999"));
    CHECK_FALSE(fs::exists(cache / "obj" / "0.o"));
    CHECK_FALSE(fs::exists(cache / "obj" / "4.o"));
    CHECK(fs::exists(cache / "obj" / "5.o"));  // three left: three quarters of the limit
    CHECK(fs::exists(cache / "obj" / "7.o"));
    fs::remove_all(cache);
}

TEST_CASE("guest build: a configuration shares the objects of every source whose preprocessed text it leaves alone") {
    const fs::path cache = fresh_dir("lmemu-cache-test-config-");
    GuestBuilder b(GuestBuilder::default_kernel_dir(), cache);
    GuestBuildRequest req;
    req.sources.push_back({"scenario.c", std::string("void scenario(void) {}\n")});
    const auto first = b.build(req);
    REQUIRE(first.elf);
    // An option no source reads: every C object is shared (assembly is always
    // compiled: its line table names its own file), the kernel linked anew from them.
    int assembly = 0;
    for (const auto& e : fs::recursive_directory_iterator(GuestBuilder::default_kernel_dir()))
        assembly += e.path().extension() == ".S";
    req.defines["CONFIG_LMEMU_TEST_UNREAD"] = "1";
    const auto unread = b.build(req);
    REQUIRE(unread.elf);
    CHECK(unread.compiled == assembly);
    // An option one header reads: only what includes it compiles again.
    req.defines["CONFIG_PREEMPT_RT"] = "1";
    const auto read = b.build(req);
    REQUIRE(read.elf);
    CHECK(read.compiled > assembly);
    CHECK(read.compiled < first.compiled);
    CHECK(*read.elf != *unread.elf);
    fs::remove_all(cache);
}
