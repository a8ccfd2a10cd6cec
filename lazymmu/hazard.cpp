#include "lazymmu/hazard.h"

#include <array>
#include <utility>

namespace lmemu::lazymmu {
namespace {

constexpr std::array<std::pair<Hazard, std::string_view>, 7> kHazards{{
    {Hazard::UnactionedMapping, "unactioned-mapping"},
    {Hazard::StaleTlb, "stale-tlb"},
    {Hazard::StalePteRead, "stale-pte-read"},
    {Hazard::Nesting, "nesting"},
    {Hazard::LazyLeak, "lazy-leak"},
    {Hazard::SleepInLazy, "sleep-in-lazy"},
    {Hazard::KernelFault, "kernel-fault"},
}};

constexpr std::array<std::pair<Verdict, std::string_view>, 6> kVerdicts{{
    {Verdict::Clean, "clean"},
    {Verdict::Hazard, "hazard"},
    {Verdict::Warn, "warn"},
    {Verdict::Bug, "bug"},
    {Verdict::Timeout, "timeout"},
    {Verdict::GuestFault, "guest-fault"},
}};

}  // namespace

std::string_view to_string(Hazard h) {
    for (const auto& [k, n] : kHazards)
        if (k == h) return n;
    return "?";
}
std::string_view to_string(Verdict v) {
    for (const auto& [k, n] : kVerdicts)
        if (k == v) return n;
    return "?";
}
std::optional<Hazard> parse_hazard(std::string_view s) {
    for (const auto& [k, n] : kHazards)
        if (n == s) return k;
    return std::nullopt;
}
std::optional<Verdict> parse_verdict(std::string_view s) {
    for (const auto& [k, n] : kVerdicts)
        if (n == s) return k;
    return std::nullopt;
}

}  // namespace lmemu::lazymmu
