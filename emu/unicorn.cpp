#include "emu/unicorn.h"

#include "emu/watchdog.h"

#include <fmt/format.h>
#include <sys/prctl.h>
#include <unicorn/arm64.h>

#include <mutex>

namespace lmemu::emu {

void check(uc_err err, const char* what) {
    if (err != UC_ERR_OK) throw UnicornError(fmt::format("unicorn: {} failed: {}", what, uc_strerror(err)));
}

Unicorn::Unicorn() {
    // QEMU madvises its 1 GiB code buffer MADV_HUGEPAGE, so every engine's
    // first translations fault in and zero 2 MiB pages: measured as 17% of a
    // bench. lmemu's translated code is small; plain pages are enough.
    static std::once_flag thp_off;
    std::call_once(thp_off, [] { prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0); });
    check(uc_open(UC_ARCH_ARM64, UC_MODE_ARM, &uc_), "uc_open");
    // The default Cortex-A72 model raises UNDEF on LSE atomics.
    check(uc_ctl_set_cpu_model(uc_, UC_CPU_ARM64_MAX), "uc_ctl_set_cpu_model");
}

Unicorn::~Unicorn() {
    if (uc_) uc_close(uc_);
}

uint64_t Unicorn::reg(int id) {
    uint64_t v = 0;
    check(uc_reg_read(uc_, id, &v), "uc_reg_read");
    return v;
}

void Unicorn::set_reg(int id, uint64_t value) { check(uc_reg_write(uc_, id, &value), "uc_reg_write"); }

uint64_t Unicorn::x(unsigned n) {
    if (n >= 31) return 0;
    return reg(n == 29 ? UC_ARM64_REG_X29 : n == 30 ? UC_ARM64_REG_X30 : UC_ARM64_REG_X0 + static_cast<int>(n));
}

void Unicorn::set_x(unsigned n, uint64_t value) {
    if (n >= 31) return;
    set_reg(n == 29 ? UC_ARM64_REG_X29 : n == 30 ? UC_ARM64_REG_X30 : UC_ARM64_REG_X0 + static_cast<int>(n), value);
}

uint64_t Unicorn::sysreg(const SysReg& r) {
    uc_arm64_cp_reg cp{r.crn, r.crm, r.op0, r.op1, r.op2, 0};
    check(uc_reg_read(uc_, UC_ARM64_REG_CP_REG, &cp), "uc_reg_read(CP_REG)");
    return cp.val;
}

void Unicorn::set_sysreg(const SysReg& r, uint64_t value) {
    uc_arm64_cp_reg cp{r.crn, r.crm, r.op0, r.op1, r.op2, value};
    check(uc_reg_write(uc_, UC_ARM64_REG_CP_REG, &cp), "uc_reg_write(CP_REG)");
}

void Unicorn::map_ptr(uint64_t address, uint64_t size, void* host, uint32_t perms) {
    check(uc_mem_map_ptr(uc_, address, size, perms, host), "uc_mem_map_ptr");
}

void Unicorn::map_mmio(uint64_t address, uint64_t size, uc_cb_mmio_read_t read, uc_cb_mmio_write_t write,
                       void* user) {
    check(uc_mmio_map(uc_, address, size, read, user, write, user), "uc_mmio_map");
}

void Unicorn::write_mem(uint64_t pa, const void* data, size_t size) {
    check(uc_mem_write(uc_, pa, data, size), "uc_mem_write");
}

uc_hook Unicorn::add_hook(int type, void* callback, void* user, uint64_t begin, uint64_t end) {
    uc_hook h{};
    check(uc_hook_add(uc_, &h, type, callback, user, begin, end), "uc_hook_add");
    return h;
}

void Unicorn::remove_hook(uc_hook h) { check(uc_hook_del(uc_, h), "uc_hook_del"); }

void Unicorn::remove_code_cache(uint64_t begin, uint64_t end) {
    check(uc_ctl_remove_cache(uc_, begin, end), "uc_ctl_remove_cache");
}

bool Unicorn::run(uint64_t begin, std::chrono::steady_clock::time_point deadline) {
    auto& watchdog = Watchdog::instance();
    watchdog.arm(uc_, deadline);
    const uc_err err = uc_emu_start(uc_, begin, 0, 0, 0);
    const bool timed_out = watchdog.disarm();
    // Faults are delivered to the interrupt hook, which stops the engine; an
    // error here means Unicorn itself could not go on (an unmapped fetch
    // outside every region, for instance) and is reported by the caller.
    if (err != UC_ERR_OK) throw UnicornError(fmt::format("unicorn: uc_emu_start failed: {}", uc_strerror(err)));
    return !timed_out;
}

}  // namespace lmemu::emu
