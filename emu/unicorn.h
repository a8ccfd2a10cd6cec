// The one wrapper around Unicorn: every call is checked and a failure names
// uc_strerror. Used by the machine and by the tests, so both meet the same
// Unicorn 2.0.1 work-arounds (DESIGN.md section 6).
#pragma once

#include <unicorn/unicorn.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace lmemu::emu {

class UnicornError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A system register by its encoding (op0, op1, CRn, CRm, op2).
struct SysReg {
    uint32_t op0, op1, crn, crm, op2;
};
namespace sysreg {
inline constexpr SysReg kSCR_EL3{3, 6, 1, 1, 0};
inline constexpr SysReg kHCR_EL2{3, 4, 1, 1, 0};
inline constexpr SysReg kSCTLR_EL1{3, 0, 1, 0, 0};
inline constexpr SysReg kTCR_EL1{3, 0, 2, 0, 2};
inline constexpr SysReg kTTBR0_EL1{3, 0, 2, 0, 0};
inline constexpr SysReg kTTBR1_EL1{3, 0, 2, 0, 1};
inline constexpr SysReg kMAIR_EL1{3, 0, 10, 2, 0};
// TLBI VMALLE1 as a system instruction (op0 1): the host's way to empty
// Unicorn's own TLB, which uc_ctl_flush_tlb does not do in 2.0.1.
inline constexpr SysReg kTLBI_VMALLE1{1, 0, 8, 7, 0};
}  // namespace sysreg

class Unicorn final {
public:
    Unicorn();
    ~Unicorn();
    Unicorn(const Unicorn&) = delete;
    Unicorn& operator=(const Unicorn&) = delete;

    uc_engine* raw() { return uc_; }

    uint64_t reg(int id);
    void set_reg(int id, uint64_t value);
    uint64_t x(unsigned n);  // x0..x30; 31 reads as xzr
    void set_x(unsigned n, uint64_t value);  // x0..x30; 31 (xzr) ignores it
    uint64_t sysreg(const SysReg& r);
    void set_sysreg(const SysReg& r, uint64_t value);

    void map_ptr(uint64_t address, uint64_t size, void* host, uint32_t perms = UC_PROT_ALL);
    void map_mmio(uint64_t address, uint64_t size, uc_cb_mmio_read_t read, uc_cb_mmio_write_t write, void* user);
    void write_mem(uint64_t pa, const void* data, size_t size);

    uc_hook add_hook(int type, void* callback, void* user, uint64_t begin = 1, uint64_t end = 0);
    void remove_hook(uc_hook h);
    void remove_code_cache(uint64_t begin, uint64_t end);
    void flush_tlb() { set_sysreg(sysreg::kTLBI_VMALLE1, 0); }

    // Runs until stopped; false if the wall-clock deadline passed (Watchdog).
    bool run(uint64_t begin, std::chrono::steady_clock::time_point deadline);
    void stop() { uc_emu_stop(uc_); }

private:
    uc_engine* uc_ = nullptr;
};

// Throws UnicornError naming the call and uc_strerror(err).
void check(uc_err err, const char* what);

}  // namespace lmemu::emu
