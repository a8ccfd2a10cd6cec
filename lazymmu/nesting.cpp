#include "lazymmu/nesting.h"

#include <fmt/format.h>

namespace lmemu::lazymmu {

const std::vector<PolicyInfo>& policies() {
    static const std::vector<PolicyInfo> kPolicies{
        {Policy::Arm64V615, "arm64-v6.15", "CONFIG_LAZY_MMU_ARM64_V6_15"},
        {Policy::Arm64V616, "arm64-v6.16", "CONFIG_LAZY_MMU_ARM64_V6_16"},
        {Policy::GenericV70, "generic-v7.0", "CONFIG_LAZY_MMU_GENERIC_V7_0"},
        {Policy::NoNesting, "no-nesting", "CONFIG_LAZY_MMU_NO_NESTING"},
    };
    return kPolicies;
}

std::optional<Policy> parse_policy(std::string_view name) {
    for (const auto& p : policies())
        if (p.name == name) return p.policy;
    return std::nullopt;
}

std::string_view to_string(Policy p) {
    for (const auto& i : policies())
        if (i.policy == p) return i.name;
    return "?";
}

std::string_view config_define(Policy p) {
    for (const auto& i : policies())
        if (i.policy == p) return i.define;
    return "";
}

std::optional<std::string> NestingTracker::on_event(LazyEvent e, uint64_t pc) {
    switch (e) {
    case LazyEvent::Enable:
        if (paused_ > 0) return std::nullopt;  // generic-v7.0: enable while paused does nothing
        if (!open_.empty() && policy_ == Policy::NoNesting)
            return fmt::format("lazy MMU mode entered while already active (depth {}) under policy {}", depth(),
                               to_string(policy_));
        open_.push_back(pc);
        return std::nullopt;
    case LazyEvent::Disable:
        if (paused_ > 0) return std::nullopt;
        if (open_.empty()) return std::string("lazy MMU mode left without a matching enter (depth underflow)");
        open_.pop_back();
        return std::nullopt;
    case LazyEvent::Pause:
        ++paused_;
        return std::nullopt;
    case LazyEvent::Resume:
        if (paused_ == 0) return std::string("lazy MMU mode resumed without a matching pause (pause underflow)");
        --paused_;
        return std::nullopt;
    case LazyEvent::Flush:
        return std::nullopt;
    }
    return std::nullopt;
}

}  // namespace lmemu::lazymmu
