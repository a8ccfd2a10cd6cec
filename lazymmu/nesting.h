// Nesting policies of lazy MMU mode (DESIGN.md §2) and the host-side check
// of the lazy-MMU API calls the guest makes. The guest kernel implements the
// policy (kernel/include/linux/pgtable.h, asm/pgtable.h); this tracker sees
// the same calls through tracepoints and reports what the policy forbids but
// the kernel code would let pass silently.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lazymmu/hazard.h"

namespace lmemu::lazymmu {

enum class Policy { Arm64V615, Arm64V616, GenericV70, NoNesting };

struct PolicyInfo {
    Policy policy;
    std::string_view name;
    std::string_view define;  // the guest's CONFIG_ macro
};
const std::vector<PolicyInfo>& policies();
std::optional<Policy> parse_policy(std::string_view name);
std::string_view to_string(Policy p);
std::string_view config_define(Policy p);

enum class LazyEvent { Enable = 1, Disable, Flush, Pause, Resume };  // LMEMU_LAZY_*

class NestingTracker {
public:
    explicit NestingTracker(Policy p) : policy_(p) {}

    // Returns a message if the event breaks the policy.
    std::optional<std::string> on_event(LazyEvent e);
    int depth() const { return depth_; }
    int paused() const { return paused_; }

private:
    Policy policy_;
    int depth_ = 0;
    int paused_ = 0;
};

}  // namespace lmemu::lazymmu
