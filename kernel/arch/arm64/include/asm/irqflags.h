/*
 * Follows Linux v6.16 arch/arm64/include/asm/irqflags.h, without pseudo-NMI
 * (GIC priority masking): interrupts are masked with PSTATE.I through DAIF.
 *
 * The host rewrites every `msr daifclr` and `msr daif, x` at load time, as it
 * does barriers, so an interrupt injected while they were masked is taken at
 * the instruction that unmasks them, as the hardware would take it.
 */
#ifndef __ASM_IRQFLAGS_H
#define __ASM_IRQFLAGS_H

#include <linux/compiler.h>

#define DAIF_IRQ	(1UL << 7)	/* PSR_I_BIT */

static __always_inline void arch_local_irq_enable(void)
{
	asm volatile("msr daifclr, #3" : : : "memory");
}

static __always_inline void arch_local_irq_disable(void)
{
	asm volatile("msr daifset, #3" : : : "memory");
}

static __always_inline unsigned long arch_local_save_flags(void)
{
	unsigned long flags;

	asm volatile("mrs %0, daif" : "=r" (flags) : : "memory");
	return flags;
}

static __always_inline int arch_irqs_disabled_flags(unsigned long flags)
{
	return (flags & DAIF_IRQ) != 0;
}

static __always_inline int arch_irqs_disabled(void)
{
	return arch_irqs_disabled_flags(arch_local_save_flags());
}

static __always_inline unsigned long arch_local_irq_save(void)
{
	unsigned long flags = arch_local_save_flags();

	if (!arch_irqs_disabled_flags(flags))
		arch_local_irq_disable();
	return flags;
}

static __always_inline void arch_local_irq_restore(unsigned long flags)
{
	asm volatile("msr daif, %0" : : "r" (flags) : "memory");
}

#endif
