#include "lazymmu/xen_multicall.h"

#include <utility>

namespace lmemu::lazymmu {

std::vector<XenRequest> XenMulticall::take(int cpu) { return std::exchange(batches_[cpu], {}); }

const XenRequest* XenMulticall::queued_update(int cpu, size_t index) const {
    const auto& b = batches_[cpu];
    for (auto it = b.rbegin(); it != b.rend(); ++it)
        if (it->kind == XenRequest::Kind::MmuUpdate && it->index == index) return &*it;
    return nullptr;
}

}  // namespace lmemu::lazymmu
