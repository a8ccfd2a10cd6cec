/*
 * When an injected interrupt or preemption runs, as hardware and scheduler
 * decide: an interrupt that arrives while local_irq_save() has them masked
 * is taken at local_irq_restore(); a preemption that arrives inside
 * preempt_disable() happens at preempt_enable(); a softirq raised by an
 * interrupt inside local_bh_disable() runs at local_bh_enable(). Each
 * handler records that it ran; BUG_ON()s check the order. The injections
 * land at masked_step(), atomic_step() and bh_step().
 */
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <linux/irqflags.h>

static int irq_ran, preempt_ran, softirq_ran;

void irq_handler(void)
{
	BUG_ON(!in_hardirq());
	irq_ran = 1;
}

void preempting_thread(void)
{
	BUG_ON(!in_task());
	preempt_ran = 1;
}

void softirq_handler(void)
{
	BUG_ON(!in_serving_softirq() || in_hardirq());
	softirq_ran = 1;
}

noinline void masked_step(void) { barrier(); }
noinline void atomic_step(void) { barrier(); }
noinline void bh_step(void) { barrier(); }

void scenario(void)
{
	unsigned long flags;

	local_irq_save(flags);
	masked_step();
	BUG_ON(irq_ran);
	local_irq_restore(flags);
	BUG_ON(!irq_ran);

	preempt_disable();
	atomic_step();
	BUG_ON(preempt_ran);
	preempt_enable();
	BUG_ON(!preempt_ran);

	local_bh_disable();
	bh_step();
	BUG_ON(softirq_ran);
	local_bh_enable();
	BUG_ON(!softirq_ran);
}
