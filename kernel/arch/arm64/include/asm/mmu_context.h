/*
 * Follows Linux v6.16 arch/arm64/include/asm/mmu_context.h (subset):
 * switch_mm(), activate_mm(), enter_lazy_tlb().
 *
 * check_and_switch_context() (v6.16's ASID allocator) and
 * finish_arch_post_lock_switch() are out of line and __weak
 * (arch/arm64/mm/context.c), so a case can put a deferred switch in their
 * place, as arm and s390 had in 2013 (seed 001).
 *
 * Differs from Linux: no KPTI, no TTBR0 PAN emulation. __switch_mm() also
 * records the CPU in mm_cpumask(), which arm64 does not keep but
 * MMU_LAZY_TLB_SHOOTDOWN needs (powerpc keeps it so).
 */
#ifndef __ASM_MMU_CONTEXT_H
#define __ASM_MMU_CONTEXT_H

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/smp.h>

void cpu_switch_mm(pgd_t *pgd, struct mm_struct *mm);
void cpu_set_reserved_ttbr0(void);
void check_and_switch_context(struct mm_struct *mm, struct task_struct *tsk);
/* The end of a switch, after the run-queue lock is dropped with interrupts on. */
void finish_arch_post_lock_switch(void);
/* current returns to user space: the host checks that its mm's root is loaded. */
void lmemu_return_to_user(void);

static inline void enter_lazy_tlb(struct mm_struct *mm, struct task_struct *tsk)
{
}

static inline void __switch_mm(struct mm_struct *next, struct task_struct *tsk)
{
	/* init_mm.pgd has no user mappings: just set the reserved TTBR0. */
	if (next == &init_mm) {
		cpu_set_reserved_ttbr0();
		return;
	}
	cpumask_set_cpu(smp_processor_id(), mm_cpumask(next));
	check_and_switch_context(next, tsk);
}

static inline void switch_mm(struct mm_struct *prev, struct mm_struct *next, struct task_struct *tsk)
{
	if (prev != next)
		__switch_mm(next, tsk);
}

#define switch_mm_irqs_off	switch_mm
#define activate_mm(prev, next)	switch_mm(prev, next, current)

#endif
