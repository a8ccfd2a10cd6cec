#include <doctest/doctest.h>

#include <set>

#include "emu/machine.h"
#include "tests/support/guest.h"

using namespace lmemu;

namespace {
emu::MachineConfig two_cpus() {
    emu::MachineConfig cfg;
    cfg.cpus = 2;
    return cfg;
}

const emu::ElfImage& probe_guest() {
    static const auto image = test::build_guest(test::two_threads(R"(
        #include <linux/kernel.h>
        #include <asm/barrier.h>
        unsigned long probe;
        static int counter;
        static void first(void) { int x = READ_ONCE(counter); smp_mb(); WRITE_ONCE(counter, x + 1); }
        static void second(void) { first(); }
    )"));
    return image;
}

// The state hash at every choice of the default schedule (nullopt where a
// CPU is about to store exclusive).
std::vector<std::optional<emu::StateHash>> hashes_along_default(emu::Machine& m) {
    std::vector<std::optional<emu::StateHash>> out;
    emu::MachineConfig cfg = two_cpus();
    cfg.choose = [&](const emu::ChoicePoint& p) {
        out.push_back(p.state());
        return emu::default_choice(p);
    };
    (void)m.run(cfg);
    return out;
}
}  // namespace

TEST_CASE("state hash: the same schedule gives the same states on every run of a machine") {
    emu::Machine m(probe_guest(), two_cpus(), emu::Machine::Runs::Many);
    const auto first = hashes_along_default(m);
    REQUIRE(first.size() > 2);
    // Later runs start with the pages the first one wrote still copies of
    // the snapshot's (restored in place): they must not count.
    CHECK(hashes_along_default(m) == first);
    CHECK(hashes_along_default(m) == first);
    // Most points can be named, and different points of one run are different states.
    std::set<std::pair<uint64_t, uint64_t>> distinct;
    for (const auto& h : first)
        if (h) distinct.insert({h->low, h->high});
    CHECK(distinct.size() > first.size() / 2);
}

TEST_CASE("state hash: a RAM word changes the state; put back, the state is what it was") {
    const auto& image = probe_guest();
    const auto probe = image.symbol("probe");
    REQUIRE(probe);
    emu::Machine m(image, two_cpus(), emu::Machine::Runs::Many);
    (void)m.run(two_cpus());
    emu::MachineConfig cfg = two_cpus();
    bool checked = false;
    cfg.choose = [&](const emu::ChoicePoint& p) {
        if (!checked) {
            checked = true;
            const auto before = p.state();
            CHECK(m.write_virt(*probe, 0x1234));
            const auto changed = p.state();
            CHECK(m.write_virt(*probe, 0));
            const auto restored = p.state();
            CHECK(before.has_value());
            CHECK(changed != before);
            CHECK(restored == before);
        }
        return emu::default_choice(p);
    };
    (void)m.run(cfg);
    CHECK(checked);
}
