/*
 * Follows Linux v6.16 arch/arm64/mm/context.c and proc.S in role:
 * check_and_switch_context() and cpu_do_switch_mm(), without ASIDs.
 *
 * The deferred-switch hooks are __weak so a case can replace them; arm64
 * itself switches at once and has nothing to finish.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <asm/barrier.h>
#include <asm/memory.h>
#include <asm/mmu_context.h>
#include <lmemu/hypercall.h>

void cpu_switch_mm(pgd_t *pgd, struct mm_struct *mm)
{
	unsigned long ttbr = __pa(pgd) | (mm->context.id << 48);

	asm volatile("msr ttbr0_el1, %0" : : "r" (ttbr) : "memory");
	isb();
}

void cpu_set_reserved_ttbr0(void)
{
	asm volatile("msr ttbr0_el1, %0" : : "r" (0UL) : "memory");
	isb();
}

__weak void check_and_switch_context(struct mm_struct *mm, struct task_struct *tsk)
{
	cpu_switch_mm(mm->pgd, mm);
}

__weak void finish_arch_post_lock_switch(void)
{
}

/* exit_to_user_mode(): with interrupts off, as the entry code returns. */
void lmemu_return_to_user(void)
{
	local_irq_disable();
	lmemu_hvc0(LMEMU_HVC_RETURN_TO_USER);
	local_irq_enable();
}
