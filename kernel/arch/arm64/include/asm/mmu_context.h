/*
 * Follows Linux v6.16 arch/arm64/include/asm/mmu_context.h (subset):
 * switch_mm(), enter_lazy_tlb().
 *
 * Differs from Linux: there are no user mappings yet, so no TTBR0 and no
 * ASIDs; __switch_mm() only records the CPU in mm_cpumask(), which arm64
 * does not keep but MMU_LAZY_TLB_SHOOTDOWN needs (powerpc keeps it so).
 */
#ifndef __ASM_MMU_CONTEXT_H
#define __ASM_MMU_CONTEXT_H

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/smp.h>

static inline void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk)
{
}

static inline void __switch_mm(struct mm_struct *next)
{
	/* init_mm has no user mappings: Linux sets the reserved TTBR0. */
	if (next == &init_mm)
		return;
	cpumask_set_cpu(smp_processor_id(), mm_cpumask(next));
}

static inline void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	if (prev != next)
		__switch_mm(next);
}

#define switch_mm_irqs_off	switch_mm
#define activate_mm(prev, next)	switch_mm(prev, next, current)

#endif
