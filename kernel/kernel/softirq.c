/*
 * Follows Linux v6.16 kernel/softirq.c (subset): irq_enter_rcu(),
 * irq_exit_rcu() and softirq processing, with one softirq vector per CPU
 * holding the handler a case injects.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/interrupt.h>

void handle_irq_event(void (*fn)(void));

static void (*softirq_pending[LMEMU_MAX_CPUS])(void);

void raise_softirq(void (*fn)(void))
{
	softirq_pending[smp_processor_id()] = fn;
}

int local_softirq_pending(void)
{
	return softirq_pending[smp_processor_id()] != NULL;
}

static void handle_softirqs(void)
{
	void (*fn)(void);

	preempt_count_add(SOFTIRQ_OFFSET);
	while ((fn = softirq_pending[smp_processor_id()]) != NULL) {
		softirq_pending[smp_processor_id()] = NULL;
		local_irq_enable();
		handle_irq_event(fn);
		local_irq_disable();
	}
	preempt_count_sub(SOFTIRQ_OFFSET);
}

void do_softirq(void)
{
	unsigned long flags;

	if (in_interrupt())
		return;
	local_irq_save(flags);
	if (local_softirq_pending())
		handle_softirqs();
	local_irq_restore(flags);
}

void irq_enter_rcu(void)
{
	preempt_count_add(HARDIRQ_OFFSET);
}

void irq_exit_rcu(void)
{
	preempt_count_sub(HARDIRQ_OFFSET);
	if (!in_interrupt() && local_softirq_pending())
		handle_softirqs();
}
