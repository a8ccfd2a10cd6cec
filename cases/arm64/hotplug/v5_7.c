/*
 * CPU hotplug's lazy mm handling before bf2c59fce407 (v5.7): the dying CPU's
 * idle task switches to init_mm and drops its lazy mm itself, in
 * idle_task_exit(), after cpuhp_report_idle_dead() has told RCU to ignore
 * the CPU. There was no finish_cpu(), and nothing switched earlier.
 */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <asm/mmu_context.h>

int sched_cpu_wait_empty(unsigned int cpu)
{
	return 0;
}

void idle_task_exit(void)
{
	struct mm_struct *mm = current->active_mm;

	BUG_ON(cpu_online(smp_processor_id()));

	if (mm != &init_mm) {
		switch_mm(mm, &init_mm, current);
		current->active_mm = &init_mm;
		finish_arch_post_lock_switch();
	}
	mmdrop(mm);
}

int finish_cpu(unsigned int cpu)
{
	return 0;
}
