/*
 * Follows Linux v6.16 kernel/sched/idle.c in outline: the idle loop of a
 * secondary CPU, which schedules whatever is queued on it and otherwise
 * waits for an interrupt, and which a CPU taken offline leaves to die.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/cpu.h>

void __noreturn cpu_startup_entry(void)
{
	int cpu = smp_processor_id();

	for (;;) {
		local_irq_disable();
		while (!cpu_has_queued_tasks(cpu)) {
			/* do_idle(): a CPU taken down leaves from here. */
			if (cpu_is_offline(cpu)) {
				cpuhp_report_idle_dead();
				arch_cpu_idle_dead();
			}
			cpu_do_idle();
		}
		local_irq_enable();
		schedule();
	}
}
