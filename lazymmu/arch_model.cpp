#include "lazymmu/arch_model.h"

#include "kernel/include/lmemu/machine.h"

namespace lmemu::lazymmu {

const std::vector<ArchModelInfo>& arch_models() {
    static const std::vector<ArchModelInfo> kModels{
        {ArchModel::Arm64, "arm64", "CONFIG_LMEMU_ARCH_ARM64"},
        {ArchModel::XenPv, "xen-pv", "CONFIG_LMEMU_ARCH_XEN_PV"},
        {ArchModel::Ppc64Hash, "ppc64-hash", "CONFIG_LMEMU_ARCH_PPC64_HASH"},
        {ArchModel::Sparc64, "sparc64", "CONFIG_LMEMU_ARCH_SPARC64"},
        {ArchModel::S390, "s390", "CONFIG_LMEMU_ARCH_S390"},
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

std::optional<CpuLazyLayout> cpu_lazy_layout(ArchModel m) {
    // The offsets are the guest's, checked there with BUILD_BUG_ON against
    // LMEMU_*_OFFSET (kernel/include/lmemu/machine.h).
    switch (m) {
    case ArchModel::Arm64: return std::nullopt;
    case ArchModel::XenPv: return CpuLazyLayout{"xen_lazy_mode", 0, 4, -1};
    case ArchModel::Ppc64Hash:
        return CpuLazyLayout{"ppc64_tlb_batch", LMEMU_PPC64_TLB_BATCH_ACTIVE, 4, LMEMU_PPC64_TLB_BATCH_INDEX};
    case ArchModel::Sparc64:
        return CpuLazyLayout{"tlb_batch", LMEMU_SPARC64_TLB_BATCH_ACTIVE, 8, LMEMU_SPARC64_TLB_BATCH_NR};
    case ArchModel::S390: return CpuLazyLayout{"ipte_batch", LMEMU_S390_IPTE_BATCH_ACTIVE, 8, LMEMU_S390_IPTE_BATCH_NR};
    }
    return std::nullopt;
}

std::vector<std::string> arch_model_names() {
    std::vector<std::string> names;
    for (const auto& m : arch_models()) names.emplace_back(m.name);
    return names;
}

}  // namespace lmemu::lazymmu
