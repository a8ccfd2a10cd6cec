/*
 * Follows Linux arch/arm64/include/asm/cpufeature.h: the system capabilities
 * lmemu's CPUs may have. A case's [config] arch_features reach the guest as
 * LMEMU_HAS_* defines, as finalized capabilities would; the host's model
 * gives the CPUs the same features.
 */
#ifndef __ASM_CPUFEATURE_H
#define __ASM_CPUFEATURE_H

#include <linux/types.h>

/* FEAT_BBM level 2 without TLB conflict aborts (ARM64_HAS_BBML2_NOABORT). */
static inline bool system_supports_bbml2_noabort(void)
{
#ifdef LMEMU_HAS_BBML2
	return true;
#else
	return false;
#endif
}

#endif
