/*
 * Follows Linux v6.16 kernel/exit.c (subset): do_exit() and exit_mm(). The
 * host checks at the exit that the task leaves no lazy MMU section open.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <asm/mmu_context.h>

/* The task lets go of its address space; it stays its active_mm, lazily, until the next switch. */
static void exit_mm(void)
{
	struct mm_struct *mm = current->mm;

	if (!mm)
		return;
	mmgrab_lazy_tlb(mm);
	BUG_ON(mm != current->active_mm);
	task_lock(current);
	local_irq_disable();
	current->mm = NULL;
	enter_lazy_tlb(mm, current);
	local_irq_enable();
	task_unlock(current);
	mmput(mm);
}

void __noreturn do_exit(long code)
{
	current->exit_code = (int)code;
	lmemu_hvc0(LMEMU_HVC_TASK_EXIT);
	exit_mm();
	preempt_disable();
	set_current_state(TASK_DEAD);
	preempt_enable_no_resched();
	schedule();
	BUG();
}
