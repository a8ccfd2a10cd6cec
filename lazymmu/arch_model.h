// The arch models: what an architecture's lazy MMU mode defers (DESIGN.md §1).
// Every model executes arm64 code on arm64 page tables; a model changes what
// the lazy-MMU layer defers and what the guest's arch hooks do.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lmemu::lazymmu {

enum class ArchModel {
    Arm64,  // v6.16: the dsb/isb after a kernel PTE store are deferred (Arm64Model alone)
    XenPv,  // page-table updates are mmu_update requests, queued in a per-CPU multicall batch
};

struct ArchModelInfo {
    ArchModel model;
    std::string_view name;    // as case files spell it
    std::string_view define;  // the guest's CONFIG_ macro
};
const std::vector<ArchModelInfo>& arch_models();
std::optional<ArchModel> parse_arch_model(std::string_view name);
std::string_view to_string(ArchModel m);
std::string_view config_define(ArchModel m);
std::vector<std::string> arch_model_names();

}  // namespace lmemu::lazymmu
