#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>

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
