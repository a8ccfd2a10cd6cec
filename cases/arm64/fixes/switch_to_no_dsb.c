/*
 * arm64's __switch_to() without its dsb(ish): the barrier that completes
 * this CPU's pending maintenance, and makes its page-table stores visible to
 * other CPUs' walkers, before the outgoing task can run elsewhere.
 * Replaces the __weak one in arch/arm64/kernel/process.c.
 */
#include <linux/sched.h>

struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next)
{
	return cpu_switch_to(prev, next);
}
