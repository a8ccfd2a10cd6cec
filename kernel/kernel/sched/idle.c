/*
 * Follows Linux v6.16 kernel/sched/idle.c in outline: the idle loop of a
 * secondary CPU, which schedules whatever is queued on it and otherwise
 * waits for an interrupt.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/irqflags.h>

void __noreturn cpu_startup_entry(void)
{
	for (;;) {
		local_irq_disable();
		while (!cpu_has_queued_tasks(smp_processor_id()))
			cpu_do_idle();
		local_irq_enable();
		schedule();
	}
}
