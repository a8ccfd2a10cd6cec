/*
 * Follows Linux include/linux/preempt.h: CONFIG_PREEMPT (full preemption)
 * unless the case sets CONFIG_PREEMPT_NONE, where a preemption only happens
 * at cond_resched() or schedule(). The count lives in thread_info as on
 * arm64, laid out as Linux lays it out.
 *
 *         PREEMPT_MASK:	0x000000ff
 *         SOFTIRQ_MASK:	0x0000ff00
 *         HARDIRQ_MASK:	0x000f0000
 *             NMI_MASK:	0x00f00000
 *
 * Differs from Linux: TIF_NEED_RESCHED is not folded into the count, so
 * preempt_enable() tests it separately.
 */
#ifndef __LINUX_PREEMPT_H
#define __LINUX_PREEMPT_H

#include <linux/compiler.h>
#include <asm/thread_info.h>
#include <asm/current.h>
#include <asm/irqflags.h>

#define PREEMPT_OFFSET		(1UL << 0)
#define SOFTIRQ_OFFSET		(1UL << 8)
#define HARDIRQ_OFFSET		(1UL << 16)
#define NMI_OFFSET		(1UL << 20)
#define PREEMPT_MASK		0x000000ffUL
#define SOFTIRQ_MASK		0x0000ff00UL
#define HARDIRQ_MASK		0x000f0000UL
#define NMI_MASK		0x00f00000UL
#define SOFTIRQ_DISABLE_OFFSET	(2 * SOFTIRQ_OFFSET)

/* A new task starts inside schedule()'s preempt_disable(): schedule_tail() ends it. */
#define FORK_PREEMPT_COUNT	PREEMPT_OFFSET

#define __preempt_ti()		((struct thread_info *)current)
#define preempt_count()		READ_ONCE(__preempt_ti()->preempt_count)
#define preempt_count_add(v)	do { __preempt_ti()->preempt_count += (v); barrier(); } while (0)
#define preempt_count_sub(v)	do { barrier(); __preempt_ti()->preempt_count -= (v); } while (0)

#define hardirq_count()		(preempt_count() & HARDIRQ_MASK)
#define softirq_count()		(preempt_count() & SOFTIRQ_MASK)
#define irq_count()		(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_MASK))

#define in_nmi()		(preempt_count() & NMI_MASK)
#define in_hardirq()		(hardirq_count())
#define in_serving_softirq()	(softirq_count() & SOFTIRQ_OFFSET)
#define in_softirq()		(softirq_count())
#define in_interrupt()		(irq_count())
#define in_task()		(!(preempt_count() & (NMI_MASK | HARDIRQ_MASK | SOFTIRQ_OFFSET)))
#define in_atomic()		(preempt_count() != 0)

#define tif_need_resched()	((READ_ONCE(__preempt_ti()->flags) >> TIF_NEED_RESCHED) & 1)
#define need_resched()		tif_need_resched()
#define preemptible()		(preempt_count() == 0 && !arch_irqs_disabled())

void preempt_schedule(void);

#define preempt_disable()	preempt_count_add(1)
#define preempt_enable_no_resched() preempt_count_sub(1)
#ifdef CONFIG_PREEMPT_NONE
#define preempt_enable()	preempt_count_sub(1)
#else
#define preempt_enable() do {						\
	preempt_count_sub(1);						\
	if (unlikely(preempt_count() == 0 && tif_need_resched()))	\
		preempt_schedule();					\
} while (0)
#endif

#endif
