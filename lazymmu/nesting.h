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

    // `pc` is where the guest made the call. Returns a message if the event
    // breaks the policy.
    std::optional<std::string> on_event(LazyEvent e, uint64_t pc = 0);
    int depth() const { return static_cast<int>(open_.size()); }
    int paused() const { return paused_; }
    // Where each open section was entered, outermost first: reports name them.
    const std::vector<uint64_t>& open_sections() const { return open_; }

    template <class Hasher>
    void hash_state(Hasher& h) const {
        h.add(open_);
        h.add(paused_);
    }

private:
    Policy policy_;
    std::vector<uint64_t> open_;
    int paused_ = 0;
};

}  // namespace lmemu::lazymmu
