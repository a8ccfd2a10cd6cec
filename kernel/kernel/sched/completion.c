/* Follows Linux kernel/sched/completion.c (subset: one waiter). */
#include <linux/kernel.h>
#include <linux/completion.h>
#include <linux/spinlock.h>

void complete(struct completion *x)
{
	unsigned long flags;

	spin_lock_irqsave(&x->lock, flags);
	x->done++;
	if (x->waiter)
		wake_up_process(x->waiter);
	spin_unlock_irqrestore(&x->lock, flags);
}

void wait_for_completion(struct completion *x)
{
	unsigned long flags;

	might_sleep();
	spin_lock_irqsave(&x->lock, flags);
	while (!x->done) {
		BUG_ON(x->waiter && x->waiter != current);
		x->waiter = current;
		set_current_state(TASK_UNINTERRUPTIBLE);
		spin_unlock_irqrestore(&x->lock, flags);
		schedule();
		spin_lock_irqsave(&x->lock, flags);
	}
	x->waiter = NULL;
	x->done--;
	spin_unlock_irqrestore(&x->lock, flags);
}
