// The slab allocator's KASAN-style checker: each rule in its own scenario,
// checked against the hazard and the report KASAN would print.
#include <doctest/doctest.h>

#include <fmt/format.h>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Hazard;
using lazymmu::Verdict;

namespace {
// `body` runs in scenario() with `struct thing *p = kmalloc(sizeof(*p))`
// (24 bytes) and a cache `c` of 40-byte objects at hand.
emu::RunResult run_slab(const std::string& body, emu::Machine::Runs runs = emu::Machine::Runs::Once, int times = 1) {
    const auto image = test::build_guest(fmt::format(R"(
        #include <linux/kernel.h>
        #include <linux/slab.h>
        #include <linux/kasan.h>
        struct thing {{ unsigned long a, b, c; }};
        static noinline void freer(void *p) {{ kfree(p); }}
        void scenario(void)
        {{
            struct thing *p = kmalloc(sizeof(*p), GFP_KERNEL);
            struct kmem_cache *c = kmem_cache_create("thing_cache", 40, 0, 0, NULL);
            BUG_ON(!p || !c);
            {}
        }}
    )",
                                                     body));
    emu::Machine m(image, {}, runs);
    emu::RunResult r;
    for (int i = 0; i < times; ++i) r = m.run();
    return r;
}

std::string message(const emu::RunResult& r) { return r.incident ? r.incident->message : std::string("clean"); }
}  // namespace

TEST_CASE("kasan: objects in use, written and read whole, are clean; kzalloc() zeroes") {
    const auto r = run_slab(R"(
        unsigned long *z = kzalloc(64, GFP_KERNEL);
        p->a = 1; p->c = 3;
        BUG_ON(p->a + p->c != 4 || z[7] != 0);
        BUG_ON(!kasan_check_byte(&p->c));
        kfree(z);
        kmem_cache_free(c, kmem_cache_alloc(c, GFP_KERNEL));
        kfree(NULL);)");
    CHECK(r.verdict == Verdict::Clean);
    INFO(message(r));
}

TEST_CASE("kasan: a read after kfree() is slab-use-after-free with both stacks") {
    const auto r = run_slab("freer(p); (void)READ_ONCE(p->b);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UseAfterFree);
    const std::string& m = r.incident->message;
    CHECK(m.find("BUG: KASAN: slab-use-after-free in scenario") == 0);
    CHECK(m.find("Read of size 8 at addr") != std::string::npos);
    CHECK(m.find("Allocated by task swapper/0:\n  __kmalloc") != std::string::npos);
    CHECK(m.find("Freed by task swapper/0:") != std::string::npos);
    CHECK(m.find("  freer+") != std::string::npos);  // the free stack names who freed it
    CHECK(m.find("belongs to the cache kmalloc-32 of size 24") != std::string::npos);
    CHECK(m.find("located 8 bytes inside of freed 24-byte region") != std::string::npos);
}

TEST_CASE("kasan: a write after kmem_cache_free() is slab-use-after-free in its cache") {
    const auto r = run_slab("unsigned long *o = kmem_cache_alloc(c, GFP_KERNEL); kmem_cache_free(c, o); WRITE_ONCE(o[2], 5);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UseAfterFree);
    CHECK(r.incident->message.find("Write of size 8") != std::string::npos);
    CHECK(r.incident->message.find("the cache thing_cache of size 40") != std::string::npos);
}

TEST_CASE("kasan: an access past the end of an object is slab-out-of-bounds") {
    const auto r = run_slab("(void)READ_ONCE(((unsigned long *)p)[3]);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::OutOfBounds);
    CHECK(r.incident->message.find("BUG: KASAN: slab-out-of-bounds") == 0);
    CHECK(r.incident->message.find("located 0 bytes to the right of allocated 24-byte region") != std::string::npos);
}

TEST_CASE("kasan: kfree() twice is a double-free, kfree() of an inner address an invalid-free") {
    auto r = run_slab("freer(p); kfree(p);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::DoubleFree);
    CHECK(r.incident->message.find("BUG: KASAN: double-free") == 0);
    CHECK(r.incident->message.find("  freer+") != std::string::npos);
    r = run_slab("kfree(&p->b);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::InvalidFree);
}

TEST_CASE("kasan: kasan_check_byte() reports a freed object without a fault") {
    const auto r = run_slab("freer(p); kasan_check_byte(p);");
    REQUIRE(r.incident);
    CHECK(r.incident->hazard == Hazard::UseAfterFree);
    CHECK_FALSE(r.incident->access);
}

TEST_CASE("kasan: a restored machine starts with no objects, and frees again cleanly") {
    const auto r = run_slab("kfree(p);", emu::Machine::Runs::Many, 3);
    CHECK(r.verdict == Verdict::Clean);
    INFO(message(r));
}
