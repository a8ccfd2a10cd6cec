#include "lazymmu/arch_model.h"

namespace lmemu::lazymmu {

const std::vector<ArchModelInfo>& arch_models() {
    static const std::vector<ArchModelInfo> kModels{
        {ArchModel::Arm64, "arm64", "CONFIG_LMEMU_ARCH_ARM64"},
        {ArchModel::XenPv, "xen-pv", "CONFIG_LMEMU_ARCH_XEN_PV"},
    };
    return kModels;
}

std::optional<ArchModel> parse_arch_model(std::string_view name) {
    for (const auto& m : arch_models())
        if (m.name == name) return m.model;
    return std::nullopt;
}

std::string_view to_string(ArchModel m) {
    for (const auto& i : arch_models())
        if (i.model == m) return i.name;
    return "?";
}

std::string_view config_define(ArchModel m) {
    for (const auto& i : arch_models())
        if (i.model == m) return i.define;
    return "";
}

std::vector<std::string> arch_model_names() {
    std::vector<std::string> names;
    for (const auto& m : arch_models()) names.emplace_back(m.name);
    return names;
}

}  // namespace lmemu::lazymmu
