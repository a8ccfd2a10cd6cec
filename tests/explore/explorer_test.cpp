#include <doctest/doctest.h>

#include <map>
#include <set>

#include "explore/explorer.h"
#include "explore/schedule.h"
#include "tests/support/guest.h"

using namespace lmemu;
using lazymmu::Verdict;

TEST_CASE("schedule strings: run-length encoded, '*' for the default, errors say what is allowed") {
    CHECK(explore::format_schedule({}) == "*");
    CHECK(explore::format_schedule({0, 0, 0, 1, 1, 0}) == "0x3,1x2,0,*");
    std::string error;
    CHECK(explore::parse_schedule("0x3,1x2,0,*", error) == std::vector<int>{0, 0, 0, 1, 1, 0});
    CHECK(explore::parse_schedule("*", error) == std::vector<int>{});
    CHECK_FALSE(explore::parse_schedule("0x3,1x2", error));
    CHECK(error.find("ends in '*'") != std::string::npos);
    CHECK_FALSE(explore::parse_schedule("0x3,*,1", error));
    CHECK(error.find("must be the last") != std::string::npos);
    CHECK_FALSE(explore::parse_schedule("7,*", error));
    CHECK(error.find("CPU 0..3") != std::string::npos);
    CHECK_FALSE(explore::parse_schedule("1x0,*", error));
    CHECK_FALSE(explore::parse_schedule("ax2,*", error));
    // "h": that CPU runs with its pending interrupt held back.
    const int held1 = 1 | emu::kHoldIrq;
    CHECK(explore::format_schedule({held1, held1, 0}) == "1hx2,0,*");
    CHECK(explore::parse_schedule("1hx2,0,*", error) == std::vector<int>{held1, held1, 0});
    CHECK_FALSE(explore::parse_schedule("h,*", error));
    CHECK(error.find("followed by h") != std::string::npos);
}

namespace {
// A program whose interleavings can be counted by hand: CPU i takes steps[i]
// steps, and before every step the CPUs with steps left can run (CPU 0 runs
// first). Its result names the interleaving as the verdict's console line.
explore::RunFn toy(std::vector<int> steps) {
    return [steps](const emu::MachineConfig& cfg) {
        std::vector<int> left = steps;
        emu::RunResult r;
        std::string order;
        int running = 0;
        while (true) {
            emu::ChoicePoint p;
            p.index = r.steps.size();
            p.running = running;
            p.running_enabled = left[static_cast<size_t>(running)] > 0;
            p.kind = emu::PointKind::Barrier;
            for (int c = 0; c < static_cast<int>(left.size()); ++c)
                if (left[static_cast<size_t>(c)] > 0) p.enabled.push_back(c);
            if (p.enabled.empty()) break;
            int next = p.enabled.front();
            if (p.enabled.size() > 1) {
                next = cfg.choose(p);
                r.steps.push_back({running, p.kind, {}, next});
            }
            --left[static_cast<size_t>(next)];
            order += static_cast<char>('0' + next);
            running = next;
        }
        r.console.push_back(order);
        return r;
    };
}

std::set<std::string> interleavings(const std::vector<int>& steps, int bound, uint64_t& schedules) {
    explore::ExploreConfig cfg;
    cfg.preemption_bound = bound;
    std::set<std::string> seen;
    schedules = 0;
    const auto s = explore::explore(toy(steps), {}, cfg, [&](const std::vector<int>&, emu::RunResult&& r) {
        CHECK(seen.insert(r.console.front()).second);  // never the same interleaving twice
        return true;
    });
    CHECK(s.complete);
    CHECK(s.error.empty());
    schedules = s.schedules;
    return seen;
}
}  // namespace

TEST_CASE("explore: exhaustive search runs every interleaving within the bound exactly once (counted by hand)") {
    uint64_t n = 0;
    // Unbounded: all C(5,2) = 10 orders of 3 steps of CPU 0 and 2 of CPU 1.
    CHECK(interleavings({3, 2}, 10, n).size() == 10);
    CHECK(n == 10);
    // Bound 0: CPU 0 to the end, then CPU 1.
    CHECK(interleavings({3, 2}, 0, n) == std::set<std::string>{"00011"});
    // Bound 1: one switch away from a CPU that could go on: 0^a 1^2 0^(3-a) for a = 0..3.
    CHECK(interleavings({3, 2}, 1, n) == std::set<std::string>{"11000", "01100", "00110", "00011"});
    // Three CPUs, one step each: a CPU is done after its step, so only the
    // first choice can preempt: bound 0 keeps CPU 0 first, bound 1 gives all 3! orders.
    CHECK(interleavings({1, 1, 1}, 0, n) == std::set<std::string>{"012", "021"});
    CHECK(interleavings({1, 1, 1}, 1, n).size() == 6);
}

namespace {
// Two CPUs, each taking `steps` steps that touch nothing the other does: the
// state at a choice is (steps CPU 0 took, steps CPU 1 took, who ran last).
explore::RunFn commuting(int steps) {
    return [steps](const emu::MachineConfig& cfg) {
        int done[2] = {0, 0};
        int running = 0;
        emu::RunResult r;
        while (done[0] < steps || done[1] < steps) {
            int next = done[0] < steps ? 0 : 1;
            if (done[0] < steps && done[1] < steps) {
                emu::ChoicePoint p;
                p.index = r.steps.size();
                p.running = running;
                p.enabled = {0, 1};
                p.state = [=] { return std::optional<emu::StateHash>({uint64_t(done[0] * 16 + done[1]), uint64_t(running)}); };
                next = cfg.choose(p);
                r.steps.push_back({running, p.kind, {}, next});
            }
            ++done[next];
            running = next;
        }
        return r;
    };
}

// A scripted tree of choice points: node i's state is i; a choice leads to
// another node, or ends the run clean (kClean) or with a bug (kBug).
constexpr int kClean = -1, kBug = -2;
struct ScriptedPoint {
    int running;
    bool running_enabled;
    std::vector<int> enabled;
    std::map<int, int> next;
};
explore::RunFn scripted(std::vector<ScriptedPoint> tree) {
    return [tree](const emu::MachineConfig& cfg) {
        emu::RunResult r;
        int at = 0;
        while (at >= 0) {
            const ScriptedPoint& n = tree[static_cast<size_t>(at)];
            emu::ChoicePoint p;
            p.index = r.steps.size();
            p.running = n.running;
            p.running_enabled = n.running_enabled;
            p.enabled = n.enabled;
            p.state = [at] { return std::optional<emu::StateHash>({uint64_t(at), 0}); };
            const int c = cfg.choose(p);
            r.steps.push_back({n.running, p.kind, {}, c});
            at = n.next.at(c);
        }
        r.verdict = at == kBug ? Verdict::Bug : Verdict::Clean;
        return r;
    };
}
}  // namespace

TEST_CASE("explore: pruning on states runs each state's alternatives once (counted by hand)") {
    // 3 commuting steps per CPU: C(6,3) = 20 interleavings. The states where
    // both CPUs can still run: (0,0) with CPU 0 last; then each (i,j) != (0,0)
    // with i,j < 3, CPU 0 last if i > 0 and CPU 1 last if j > 0: 1 + 2*4 + 2 + 2 = 13.
    explore::ExploreConfig cfg;
    cfg.preemption_bound = 10;
    cfg.prune = false;
    auto s = explore::explore(commuting(3), {}, cfg, [](const std::vector<int>&, emu::RunResult&&) { return true; });
    CHECK(s.schedules == 20);
    CHECK(s.states == 0);
    cfg.prune = true;
    s = explore::explore(commuting(3), {}, cfg, [](const std::vector<int>&, emu::RunResult&&) { return true; });
    CHECK(s.complete);
    CHECK(s.states == 13);
    // The first run, then one per state for its one alternative.
    CHECK(s.schedules == 14);
    // Depth first, four runs reach a state seen before: 00 1 0 1 meets 00 1 1
    // at (2,2,1); 1 1 0 0 meets 0 1 1 0 at (2,2,0); 1 0 0 meets 0 1 0 at
    // (2,1,0); 1 0 1 meets 0 1 1 at (1,2,1).
    CHECK(s.pruned == 4);
}

TEST_CASE("explore: a state seen with fewer deviations left is explored again when reached with more") {
    // Three CPUs. At the start CPU 0 yields to CPU 1 (the default) or CPU 2,
    // both free. CPU 1 may preempt itself for CPU 2 (one deviation): that
    // reaches state 2 with no deviation left. Reaching it straight from the
    // start leaves one, and only then can CPU 2 be preempted for CPU 1, which
    // is the bug. Pruning on "seen before" alone would miss it.
    const std::vector<ScriptedPoint> tree = {
        {0, false, {1, 2}, {{1, 1}, {2, 2}}},
        {1, true, {1, 2}, {{1, kClean}, {2, 2}}},
        {2, true, {1, 2}, {{2, kClean}, {1, kBug}}},
    };
    emu::MachineConfig base;
    base.cpus = 3;
    explore::ExploreConfig cfg;
    cfg.preemption_bound = 1;
    std::vector<std::string> bugs;
    const auto s = explore::explore(scripted(tree), base, cfg, [&](const std::vector<int>& schedule, emu::RunResult&& r) {
        if (r.verdict == Verdict::Bug) bugs.push_back(explore::format_schedule(schedule));
        return true;
    });
    CHECK(s.complete);
    CHECK(s.schedules == 4);
    CHECK(s.pruned == 0);
    CHECK(bugs == std::vector<std::string>{"2,1,*"});
}

namespace {
// One CPU takes `steps` steps with an interrupt pending from the start: at
// each step it may take the interrupt first (the default) or hold it back.
explore::RunFn toy_interrupt(int steps) {
    return [steps](const emu::MachineConfig& cfg) {
        emu::RunResult r;
        std::string order;
        bool pending = true;
        for (int i = 0; i < steps; ++i) {
            int next = 0;
            if (pending) {
                emu::ChoicePoint p;
                p.index = r.steps.size();
                p.enabled = {0, 0 | emu::kHoldIrq};
                next = cfg.choose(p);
                r.steps.push_back({0, p.kind, {}, next});
            }
            if (pending && !emu::holds_irq(next)) {
                order += 'i';
                pending = false;
            }
            order += '0';
        }
        r.console.push_back(order);
        return r;
    };
}

std::set<std::string> interrupt_timings(int steps, int bound) {
    explore::ExploreConfig cfg;
    cfg.preemption_bound = bound;
    std::set<std::string> seen;
    const auto s = explore::explore(toy_interrupt(steps), {}, cfg, [&](const std::vector<int>&, emu::RunResult&& r) {
        CHECK(seen.insert(r.console.front()).second);
        return true;
    });
    CHECK(s.complete);
    return seen;
}
}  // namespace

TEST_CASE("explore: holding back an interrupt costs one against the bound, at each point it could have been taken") {
    CHECK(interrupt_timings(3, 0) == std::set<std::string>{"i000"});
    CHECK(interrupt_timings(3, 1) == std::set<std::string>{"i000", "0i00"});
    CHECK(interrupt_timings(3, 2) == std::set<std::string>{"i000", "0i00", "00i0"});
    // Held at all three points, it is never taken before the end.
    CHECK(interrupt_timings(3, 3) == std::set<std::string>{"i000", "0i00", "00i0", "000"});
}

namespace {
// Two CPUs each add one to a shared counter, non-atomically, with a barrier
// (a scheduling point) between the read and the write.
const std::string kLostUpdate = test::two_cpu_counter(test::kRacyIncrement);

struct Tally {
    std::map<Verdict, int> verdicts;
    std::vector<std::vector<int>> schedules;
    std::vector<int> first_bug;
};

Tally explore_counter(const explore::ExploreConfig& cfg, explore::ExploreSummary& summary) {
    static const auto image = test::build_guest(kLostUpdate);
    emu::MachineConfig base;
    base.cpus = 2;
    emu::Machine m(image, base, emu::Machine::Runs::Many);
    Tally t;
    summary = explore::explore(m, base, cfg, [&](const std::vector<int>& s, emu::RunResult&& r) {
        ++t.verdicts[r.verdict];
        if (r.verdict == Verdict::Bug && t.first_bug.empty()) t.first_bug = s;
        t.schedules.push_back(s);
        return true;
    });
    return t;
}
}  // namespace

TEST_CASE("explore: bound 0 is the default schedule alone; bound 1 finds the lost update, and ends") {
    explore::ExploreConfig cfg;
    cfg.preemption_bound = 0;
    explore::ExploreSummary s;
    auto t = explore_counter(cfg, s);
    CHECK(s.schedules == 1);
    CHECK(s.complete);
    CHECK(t.schedules.front().empty());  // printed "*"
    CHECK(t.verdicts[Verdict::Clean] == 1);

    cfg.preemption_bound = 1;
    t = explore_counter(cfg, s);
    CHECK(s.complete);
    CHECK(s.error.empty());
    CHECK(s.schedules > 2);
    CHECK(t.verdicts[Verdict::Bug] > 0);
    CHECK(t.verdicts[Verdict::Clean] > 0);
    // No schedule is run twice.
    CHECK(std::set<std::vector<int>>(t.schedules.begin(), t.schedules.end()).size() == t.schedules.size());

    // The printed schedule of the bug replays it.
    REQUIRE_FALSE(t.first_bug.empty());
    static const auto image = test::build_guest(kLostUpdate);
    emu::MachineConfig replay;
    replay.cpus = 2;
    replay.choose = explore::replay(t.first_bug);
    CHECK(emu::Machine(image, replay).run().verdict == Verdict::Bug);

    // A bound of 2 explores strictly more.
    cfg.preemption_bound = 2;
    explore::ExploreSummary s2;
    explore_counter(cfg, s2);
    CHECK(s2.schedules > s.schedules);
}

TEST_CASE("explore: no schedule of a correct program deadlocks (wake-ups reach a CPU however the IPI and its wfi interleave)") {
    // Thread start, completion and exit cross CPUs through IPIs and wfi;
    // a wake-up lost in any interleaving would end a schedule as a deadlock.
    static const auto image = test::build_guest(test::two_cpu_counter(test::kAtomicIncrement));
    emu::MachineConfig base;
    base.cpus = 2;
    emu::Machine m(image, base, emu::Machine::Runs::Many);
    explore::ExploreConfig cfg;
    cfg.preemption_bound = 2;
    std::map<Verdict, int> verdicts;
    const auto s = explore::explore(m, base, cfg, [&](const std::vector<int>&, emu::RunResult&& r) {
        ++verdicts[r.verdict];
        return true;
    });
    CHECK(s.complete);
    CHECK(s.schedules > 100);
    CHECK(verdicts[Verdict::Clean] == static_cast<int>(s.schedules));
}

TEST_CASE("explore: on a real guest, pruning finds every verdict the full search finds, in fewer schedules") {
    for (const int bound : {1, 2, 3}) {
        CAPTURE(bound);
        explore::ExploreConfig cfg;
        cfg.preemption_bound = bound;
        cfg.prune = false;
        explore::ExploreSummary full, pruned;
        const auto all = explore_counter(cfg, full);
        cfg.prune = true;
        const auto some = explore_counter(cfg, pruned);
        CHECK(full.complete);
        CHECK(pruned.complete);
        CHECK(full.states == 0);
        CHECK(pruned.states > 0);
        std::set<Verdict> a, b;
        for (const auto& [v, n] : all.verdicts) a.insert(v);
        for (const auto& [v, n] : some.verdicts) b.insert(v);
        CHECK(a == b);
        CHECK(a.count(Verdict::Bug));
        CHECK(pruned.schedules <= full.schedules);
        if (bound == 3) CHECK(pruned.schedules < full.schedules);
    }
}

TEST_CASE("explore: max_schedules stops an exploration and says it is not complete") {
    explore::ExploreConfig cfg;
    cfg.preemption_bound = 2;
    cfg.max_schedules = 3;
    explore::ExploreSummary s;
    explore_counter(cfg, s);
    CHECK(s.schedules == 3);
    CHECK_FALSE(s.complete);
}

TEST_CASE("explore: random and pct find the lost update; the same seed explores the same schedules") {
    for (const auto strategy : {explore::Strategy::Random, explore::Strategy::Pct}) {
        CAPTURE(std::string(explore::to_string(strategy)));
        explore::ExploreConfig cfg;
        cfg.strategy = strategy;
        cfg.max_schedules = 200;
        cfg.seed = 7;
        explore::ExploreSummary s;
        auto a = explore_counter(cfg, s);
        CHECK(s.schedules == 200);
        CHECK_FALSE(s.complete);
        CHECK(a.verdicts.count(Verdict::Bug));
        const auto b = explore_counter(cfg, s);
        CHECK(a.schedules == b.schedules);
        cfg.seed = 8;
        const auto c = explore_counter(cfg, s);
        CHECK(a.schedules != c.schedules);
    }
}
