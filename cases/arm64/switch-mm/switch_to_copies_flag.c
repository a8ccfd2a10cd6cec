/*
 * Martin Schwidefsky's fix in seed 001 (s390, Nov 2013): __switch_to()
 * copies the pending-switch flag from the outgoing task to the incoming
 * one, as s390 did for TIF_MCCK_PENDING, so a preemption between the
 * deferred switch and its completion cannot hide it.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <asm/barrier.h>

struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next)
{
	if (test_ti_thread_flag(task_thread_info(prev), TIF_SWITCH_MM))
		set_ti_thread_flag(task_thread_info(next), TIF_SWITCH_MM);
	dsb(ish);
	return cpu_switch_to(prev, next);
}
