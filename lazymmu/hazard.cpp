#include "lazymmu/hazard.h"

#include <array>
#include <utility>

namespace lmemu::lazymmu {
namespace {

constexpr std::array<std::pair<Hazard, std::string_view>, 20> kHazards{{
    {Hazard::UnactionedMapping, "unactioned-mapping"},
    {Hazard::StaleTlb, "stale-tlb"},
    {Hazard::BreakBeforeMake, "break-before-make"},
    {Hazard::StalePteRead, "stale-pte-read"},
    {Hazard::Nesting, "nesting"},
    {Hazard::LazyLeak, "lazy-leak"},
    {Hazard::SleepInLazy, "sleep-in-lazy"},
    {Hazard::KernelFault, "kernel-fault"},
    {Hazard::UseAfterFree, "use-after-free"},
    {Hazard::OutOfBounds, "out-of-bounds"},
    {Hazard::DoubleFree, "double-free"},
    {Hazard::InvalidFree, "invalid-free"},
    {Hazard::WrongMm, "wrong-mm"},
    {Hazard::StaleAsid, "stale-asid"},
    {Hazard::InconsistentLockState, "inconsistent-lock-state"},
    {Hazard::SuspiciousRcuUsage, "suspicious-rcu-usage"},
    {Hazard::RecursiveLocking, "recursive-locking"},
    {Hazard::MmInUseWithoutUsers, "mm-in-use-without-users"},
    {Hazard::MmInUseWithoutCount, "mm-in-use-without-count"},
    {Hazard::MmUsersWithoutCount, "mm-users-without-count"},
}};

constexpr std::array<std::pair<Verdict, std::string_view>, 6> kVerdicts{{
    {Verdict::Clean, "clean"},
    {Verdict::Hazard, "hazard"},
    {Verdict::Warn, "warn"},
    {Verdict::Bug, "bug"},
    {Verdict::Timeout, "timeout"},
    {Verdict::GuestFault, "guest-fault"},
}};

// One table per enum serves both directions, so a name cannot be printed one
// way and parsed another.
template <class Table, class E>
std::string_view name_of(const Table& table, E value) {
    for (const auto& [k, n] : table)
        if (k == value) return n;
    return "?";
}

template <class E, class Table>
std::optional<E> value_of(const Table& table, std::string_view name) {
    for (const auto& [k, n] : table)
        if (n == name) return k;
    return std::nullopt;
}

template <class Table>
std::vector<std::string> names(const Table& table) {
    std::vector<std::string> out;
    for (const auto& [k, n] : table) out.emplace_back(n);
    return out;
}

}  // namespace

std::vector<std::string> hazard_names() { return names(kHazards); }
std::vector<std::string> verdict_names() { return names(kVerdicts); }
std::string_view to_string(Hazard h) { return name_of(kHazards, h); }
std::string_view to_string(Verdict v) { return name_of(kVerdicts, v); }
std::optional<Hazard> parse_hazard(std::string_view s) { return value_of<Hazard>(kHazards, s); }
std::optional<Verdict> parse_verdict(std::string_view s) { return value_of<Verdict>(kVerdicts, s); }

}  // namespace lmemu::lazymmu
