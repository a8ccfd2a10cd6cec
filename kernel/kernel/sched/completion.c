/* Follows Linux kernel/sched/completion.c (subset: one waiter). */
#include <linux/kernel.h>
#include <linux/completion.h>
#include <linux/irqflags.h>

void complete(struct completion *x)
{
	unsigned long flags;

	local_irq_save(flags);
	x->done++;
	if (x->waiter)
		wake_up_process(x->waiter);
	local_irq_restore(flags);
}

void wait_for_completion(struct completion *x)
{
	unsigned long flags;

	might_sleep();
	local_irq_save(flags);
	while (!x->done) {
		BUG_ON(x->waiter && x->waiter != current);
		x->waiter = current;
		set_current_state(TASK_UNINTERRUPTIBLE);
		local_irq_restore(flags);
		schedule();
		local_irq_save(flags);
	}
	x->waiter = NULL;
	x->done--;
	local_irq_restore(flags);
}
