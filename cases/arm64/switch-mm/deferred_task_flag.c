/*
 * arm's deferred switch_mm() for CPUs without ASIDs, v3.6 to v3.12
 * (arch/arm/include/asm/mmu_context.h): with interrupts off the switch is
 * left to finish_arch_post_lock_switch(), through a flag on the task the
 * switch is for (TIF_SWITCH_MM). The CPU keeps the old mm meanwhile.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <asm/mmu_context.h>

void check_and_switch_context(struct mm_struct *mm, struct task_struct *tsk)
{
	if (irqs_disabled())
		set_ti_thread_flag(task_thread_info(tsk), TIF_SWITCH_MM);
	else
		cpu_switch_mm(mm->pgd, mm);
}

void finish_arch_post_lock_switch(void)
{
	struct mm_struct *mm = current->mm;

	/* Only a task with an mm has a switch to finish; a kernel thread keeps the flag for when it has one. */
	if (mm && test_and_clear_thread_flag(TIF_SWITCH_MM))
		cpu_switch_mm(mm->pgd, mm);
}
