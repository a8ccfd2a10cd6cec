#include "explore/explorer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "explore/schedule.h"

namespace lmemu::explore {

const char* to_string(Strategy s) {
    switch (s) {
    case Strategy::Exhaustive: return "exhaustive";
    case Strategy::Random: return "random";
    case Strategy::Pct: return "pct";
    }
    return "?";
}

namespace {

// splitmix64: a seeded stream that is the same with every standard library
// (std's distributions are not).
struct Rng {
    uint64_t state;
    uint64_t next() {
        uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
    }
    uint64_t below(uint64_t n) { return next() % n; }
};
Rng rng_for(uint64_t seed, uint64_t schedule) { return Rng{seed * 0x100000001b3ULL + schedule}; }

// A choice point as exploration saw it, and what was chosen there.
struct Node {
    emu::ChoicePoint point;
    int chosen = 0;
    std::vector<int> tried;
    int cost(int c) const { return emu::deviations(point, c); }
};

// The run's choices without the trailing ones the default makes anyway: the
// shortest schedule string that replays it.
std::vector<int> trimmed(const std::vector<Node>& nodes) {
    size_t n = nodes.size();
    while (n > 0 && nodes[n - 1].chosen == emu::default_choice(nodes[n - 1].point)) --n;
    std::vector<int> out;
    for (size_t i = 0; i < n; ++i) out.push_back(nodes[i].chosen);
    return out;
}

std::string choices_text(const emu::ChoicePoint& p) {
    std::vector<std::string> out;
    for (const int c : p.enabled) out.push_back(format_choice(c));
    return fmt::format("{}", fmt::join(out, ","));
}

// One run: choice i < keep repeats nodes[i] (and must meet the same point),
// later ones ask `pick` and are recorded.
emu::RunResult run_once(const RunFn& run, emu::MachineConfig cfg, std::vector<Node>& nodes, size_t keep,
                        const emu::Chooser& pick, std::string& error) {
    nodes.resize(keep);
    cfg.choose = [&](const emu::ChoicePoint& p) {
        if (p.index < keep) {
            const Node& n = nodes[p.index];
            if ((n.point.enabled != p.enabled || n.point.running != p.running) && error.empty())
                error = fmt::format("choice {} differs from the run before (CPU {} with choices {}, then CPU {} with "
                                    "{}): the guest is not deterministic",
                                    p.index, n.point.running, choices_text(n.point), p.running, choices_text(p));
            return n.chosen;
        }
        const int c = pick(p);
        nodes.push_back({p, c, {c}});
        return c;
    };
    return run(cfg);
}

}  // namespace

ExploreSummary explore(emu::Machine& m, emu::MachineConfig base, const ExploreConfig& cfg, const Visit& visit) {
    return explore([&m](const emu::MachineConfig& c) { return m.run(c); }, std::move(base), cfg, visit);
}

ExploreSummary explore(const RunFn& m, emu::MachineConfig base, const ExploreConfig& cfg, const Visit& visit) {
    ExploreSummary s;
    base.quantum_blocks = cfg.quantum_blocks;
    std::vector<Node> nodes;
    auto finish_run = [&](emu::RunResult&& r) {
        ++s.schedules;
        return visit(trimmed(nodes), std::move(r)) && s.error.empty() && s.schedules < cfg.max_schedules;
    };

    switch (cfg.strategy) {
    case Strategy::Exhaustive: {
        // State -> the most deviations that were left when a run reached it.
        std::unordered_map<emu::StateHash, int, emu::StateHashOf> seen;
        size_t keep = 0;
        while (true) {
            int left = cfg.preemption_bound;
            for (size_t i = 0; i < keep; ++i) left -= nodes[i].cost(nodes[i].chosen);
            // The first choice of this run at a state seen before, if any.
            std::optional<size_t> prune_from;
            auto pick = [&](const emu::ChoicePoint& p) {
                // Past the kept prefix every choice is the default, which costs
                // nothing. With two CPUs and no deviation left, every choice but
                // one costs one: nothing below can branch, so nothing to prune.
                if (cfg.prune && !prune_from && p.state && (left > 0 || base.cpus > 2))
                    if (const auto state = p.state()) {
                        const auto [it, inserted] = seen.try_emplace(*state, left);
                        if (!inserted && it->second >= left) prune_from = p.index;
                        else it->second = std::max(it->second, left);
                    }
                return emu::default_choice(p);
            };
            auto r = run_once(m, base, nodes, keep, pick, s.error);
            s.states = seen.size();
            if (prune_from) {
                ++s.pruned;
                for (size_t i = *prune_from; i < nodes.size(); ++i) nodes[i].tried = nodes[i].point.enabled;
            }
            if (!finish_run(std::move(r))) return s;
            // Depth first: the deepest choice with an alternative left within the bound.
            bool found = false;
            while (!nodes.empty() && !found) {
                Node& n = nodes.back();
                int before = 0;
                for (auto x = nodes.begin(); x != nodes.end() - 1; ++x) before += x->cost(x->chosen);
                for (const int c : n.point.enabled) {
                    if (std::find(n.tried.begin(), n.tried.end(), c) != n.tried.end()) continue;
                    if (before + n.cost(c) > cfg.preemption_bound) continue;
                    n.tried.push_back(c);
                    n.chosen = c;
                    found = true;
                    break;
                }
                if (!found) nodes.pop_back();
            }
            if (!found) {
                s.complete = true;
                return s;
            }
            keep = nodes.size();
        }
    }
    case Strategy::Random:
        for (uint64_t i = 0;; ++i) {
            Rng rng = rng_for(cfg.seed, i);
            auto pick = [&](const emu::ChoicePoint& p) { return p.enabled[rng.below(p.enabled.size())]; };
            auto r = run_once(m, base, nodes, 0, pick, s.error);
            if (!finish_run(std::move(r))) return s;
        }
    case Strategy::Pct: {
        // k, the number of choices a run makes, from the default run (itself a schedule).
        auto r = run_once(m, base, nodes, 0, emu::default_choice, s.error);
        size_t k = std::max<size_t>(nodes.size(), 1);
        if (!finish_run(std::move(r))) return s;
        const int d = std::max(cfg.depth, 1);
        for (uint64_t i = 1;; ++i) {
            Rng rng = rng_for(cfg.seed, i);
            std::vector<int> priority(static_cast<size_t>(base.cpus));
            std::iota(priority.begin(), priority.end(), d);  // all above the d-1 lowered ones
            for (size_t j = priority.size(); j > 1; --j) std::swap(priority[j - 1], priority[rng.below(j)]);
            std::vector<size_t> change(static_cast<size_t>(d - 1));
            for (auto& c : change) c = rng.below(k);
            auto pick = [&](const emu::ChoicePoint& p) {
                for (size_t j = 0; j < change.size(); ++j)
                    if (change[j] == p.index) priority[static_cast<size_t>(p.running)] = static_cast<int>(j) + 1;
                // CPUs by priority; interrupts taken as soon as they can be.
                int best = p.enabled.front();
                for (const int c : p.enabled)
                    if (!emu::holds_irq(c) && priority[static_cast<size_t>(c)] > priority[static_cast<size_t>(best)]) best = c;
                return best;
            };
            r = run_once(m, base, nodes, 0, pick, s.error);
            k = std::max(k, nodes.size());
            if (!finish_run(std::move(r))) return s;
        }
    }
    }
    return s;
}

}  // namespace lmemu::explore
