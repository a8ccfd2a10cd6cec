// The slab allocator's host side and its KASAN-style checker. kmalloc() and
// kmem_cache_alloc() (mm/slab_common.c) ask the host for an object; it
// gets a page of its own in the slab window, after an unmapped guard page,
// at the page's end (KFENCE's layout). kfree() unmaps the page and the page
// is never handed out again in the run, so every access after the free, and
// every access past the end, faults; the fault is reported as KASAN reports
// it, with the stacks of the allocation and of the free. kfree() of a freed
// object or of anything that is not an object's start is a double-free or
// an invalid-free. Objects left of their start in the page are not checked.
#include "emu/machine_impl.h"

#include <bit>

namespace lmemu::emu {

namespace {
constexpr uint64_t kSlabAlign = 8;  // ARCH_KMALLOC_MINALIGN for objects that need no DMA alignment
// Slot i: guard page at 2i, object page at 2i + 1.
constexpr uint64_t object_page(size_t slot) { return LMEMU_SLAB_START + (2 * slot + 1) * kPage; }

std::string stack_text(const std::vector<Location>& stack) {
    std::string out;
    for (const auto& l : stack) out += fmt::format("  {}{}\n", l.where, l.source.empty() ? "" : " (" + l.source + ")");
    return out;
}
}  // namespace

void Machine::Impl::kmalloc(uint64_t size, uint64_t cache_name) {
    uc().set_reg(UC_ARM64_REG_X0, 0);
    const size_t slot = slab_.size();
    if (size == 0 || size > kPage || object_page(slot + 1) > LMEMU_SLAB_START + LMEMU_SLAB_SIZE) return;
    const auto pfn = ram_alloc_.alloc(0);
    if (!pfn) return;
    SlabObject o;
    o.size = size;
    o.addr = object_page(slot) + kPage - ((size + kSlabAlign - 1) & ~(kSlabAlign - 1));
    o.cache = cache_name ? read_string(cache_name, 64).value_or("?") : fmt::format("kmalloc-{}", std::bit_ceil(std::max<uint64_t>(size, 8)));
    o.entry = map_page(object_page(slot), *pfn << 12, pgtable::prot::kKernel);
    o.alloc_task = task_name(current_task(running_));
    o.alloc_stack = symbolize(raw_backtrace(hvc_pc_, uc().x(30), uc().x(29)));
    trace(TraceModule::Alloc, [&] { return fmt::format("{}: {} bytes at {:#x}{}", o.cache, size, o.addr, cpu_tag()); });
    uc().set_reg(UC_ARM64_REG_X0, o.addr);
    slab_.push_back(std::move(o));
}

Machine::Impl::SlabObject* Machine::Impl::slab_object_at(uint64_t va) {
    if (va < LMEMU_SLAB_START || va >= LMEMU_SLAB_START + LMEMU_SLAB_SIZE) return nullptr;
    // Guard page 2i + 2 lies between object i (which ends where it starts)
    // and object i + 1: its first half is past the end of i, the rest before i + 1.
    const size_t page = (va - LMEMU_SLAB_START) / kPage;
    size_t slot = page / 2;
    if (page % 2 == 0 && va % kPage < kPage / 2) {
        if (page == 0) return nullptr;
        --slot;
    }
    return slot < slab_.size() ? &slab_[slot] : nullptr;
}

void Machine::Impl::kfree(uint64_t addr) {
    if (addr == 0) return;  // kfree(NULL)
    SlabObject* o = slab_object_at(addr);
    const std::string where = image_.symbolize(hvc_pc_);
    if (!o || o->addr != addr) {
        Incident i = incident_here(fmt::format("BUG: KASAN: invalid-free in {}\nFree of addr {:#x} by task {}: it is not "
                                               "the start of a slab object",
                                               where, addr, task_name(current_task(running_))));
        i.hazard = Hazard::InvalidFree;
        return end(Verdict::Hazard, std::move(i));
    }
    if (o->freed) {
        Incident i = incident_here(fmt::format(
            "BUG: KASAN: double-free in {}\nFree of addr {:#x} by task {}\n\nAllocated by task {}:\n{}\nFreed by task "
            "{}:\n{}\nThe buggy address belongs to the object at {:#x}\n which belongs to the cache {} of size {}",
            where, addr, task_name(current_task(running_)), o->alloc_task, stack_text(o->alloc_stack), o->free_task,
            stack_text(o->free_stack), o->addr, o->cache, o->size));
        i.hazard = Hazard::DoubleFree;
        return end(Verdict::Hazard, std::move(i));
    }
    o->freed = true;
    o->free_task = task_name(current_task(running_));
    o->free_stack = symbolize(raw_backtrace(hvc_pc_, uc().x(30), uc().x(29)));
    pool_.set_both(o->entry, 0);
    for (auto& c : cpus_) c->uc.flush_tlb();  // the host's own unmapping: no TLB may keep it
    trace(TraceModule::Alloc, [&] { return fmt::format("{}: free {:#x}{}", o->cache, addr, cpu_tag()); });
}

// A load or store of `a` that faulted in the slab window, or a
// kasan_check_byte(): the KASAN report if it hit a freed object or went
// past one's end; nullopt otherwise.
std::optional<Incident> Machine::Impl::slab_access_report(const AccessInfo& a) {
    SlabObject* o = slab_object_at(a.va);
    if (!o) return std::nullopt;
    const bool past_end = a.va + std::max(a.size, 1u) > o->addr + o->size, before = a.va < o->addr;
    if (!o->freed && !past_end && !before) return std::nullopt;
    const std::string kind = o->freed ? "slab-use-after-free" : "slab-out-of-bounds";
    const std::string in = a.at.where.substr(0, a.at.where.find(' '));
    std::string msg = fmt::format("BUG: KASAN: {} in {}\n{} of size {} at addr {:#x} by task {} on CPU {}\n\nAllocated by task {}:\n{}",
                                  kind, in, a.type == AccessType::Write ? "Write" : "Read", a.size, a.va,
                                  task_name(current_task(running_)), running_, o->alloc_task, stack_text(o->alloc_stack));
    if (o->freed) msg += fmt::format("\nFreed by task {}:\n{}", o->free_task, stack_text(o->free_stack));
    const uint64_t bytes = before ? o->addr - a.va : a.va >= o->addr + o->size ? a.va - (o->addr + o->size) : a.va - o->addr;
    const char* relation = before ? "to the left of" : a.va >= o->addr + o->size ? "to the right of" : "inside of";
    msg += fmt::format("\nThe buggy address belongs to the object at {:#x}\n which belongs to the cache {} of size {}\n"
                       "The buggy address is located {} bytes {} {}{}-byte region [{:#x}, {:#x})",
                       o->addr, o->cache, o->size, bytes, relation, o->freed ? "freed " : "allocated ", o->size, o->addr,
                       o->addr + o->size);
    Incident i = incident_here(std::move(msg));
    i.hazard = o->freed ? Hazard::UseAfterFree : Hazard::OutOfBounds;
    i.access = a;
    return i;
}

// kasan_check_byte() and friends: the guest asks whether an access would be
// good before making it (as KASAN's explicit checks do).
void Machine::Impl::kasan_check(uint64_t va, uint64_t size, bool write) {
    AccessInfo a;
    a.va = va;
    a.size = static_cast<unsigned>(size);
    a.type = write ? AccessType::Write : AccessType::Read;
    a.at = locate(hvc_pc_);
    auto report = slab_access_report(a);
    uc().set_reg(UC_ARM64_REG_X0, report ? 0 : 1);
    if (!report) return;
    report->access.reset();  // a check, not a fault: nothing was left unhandled
    end(Verdict::Hazard, std::move(*report));
}

}  // namespace lmemu::emu
