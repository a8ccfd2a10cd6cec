/*
 * Follows Linux include/linux/interrupt.h and bottom_half.h (subset).
 * lmemu has one softirq: the handler a case injects (raise_softirq()).
 */
#ifndef _LINUX_INTERRUPT_H
#define _LINUX_INTERRUPT_H

#include <linux/preempt.h>
#include <linux/irqflags.h>

void irq_enter_rcu(void);
void irq_exit_rcu(void);

/* Runs fn() as a softirq at the next irq_exit() or local_bh_enable(). */
void raise_softirq(void (*fn)(void));
int local_softirq_pending(void);
void do_softirq(void);

static inline void local_bh_disable(void)
{
	preempt_count_add(SOFTIRQ_DISABLE_OFFSET);
}

static inline void local_bh_enable(void)
{
	preempt_count_sub(SOFTIRQ_DISABLE_OFFSET);
	if (!in_interrupt() && local_softirq_pending())
		do_softirq();
	if (preempt_count() == 0 && tif_need_resched())
		preempt_schedule();
}

#endif
