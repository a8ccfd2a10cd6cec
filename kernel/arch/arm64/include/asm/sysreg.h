/*
 * Follows Linux v6.16 arch/arm64/include/asm/sysreg.h (read_sysreg() only).
 * lmemu answers a read of TTBR0_EL1 with what the guest wrote (emu/mm.cpp).
 */
#ifndef __ASM_SYSREG_H
#define __ASM_SYSREG_H

#define read_sysreg(r) ({						\
	unsigned long __val;						\
	asm volatile("mrs %0, " #r : "=r" (__val));			\
	__val;								\
})

#endif
