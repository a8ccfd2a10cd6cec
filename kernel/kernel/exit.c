/*
 * Follows Linux v6.16 kernel/exit.c (subset): do_exit() for kernel threads.
 * The host checks there that the task leaves no lazy MMU section open.
 */
#include <linux/kernel.h>
#include <linux/sched.h>

void __noreturn do_exit(long code)
{
	current->exit_code = (int)code;
	lmemu_hvc0(LMEMU_HVC_TASK_EXIT);
	preempt_disable();
	set_current_state(TASK_DEAD);
	preempt_enable_no_resched();
	schedule();
	BUG();
}
