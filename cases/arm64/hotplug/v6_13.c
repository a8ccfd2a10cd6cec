/*
 * CPU hotplug's lazy mm handling from bf2c59fce407 (v5.8) to 21641bd9a7a7:
 * the dying CPU keeps its lazy mm until idle_task_exit() switches it to
 * init_mm, and the BP drops the idle task's reference in finish_cpu().
 * This is v6.13, before 21641bd9a7a7, with mmdrop_lazy_tlb(), which
 * MMU_LAZY_TLB_SHOOTDOWN (v6.4) makes a no-op; v5_13.c includes it with
 * the plain mmdrop() of the kernels before lazy TLB modes existed.
 */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <asm/mmu_context.h>

#ifndef finish_cpu_mmdrop
#define finish_cpu_mmdrop	mmdrop_lazy_tlb
#endif

int sched_cpu_wait_empty(unsigned int cpu)
{
	return 0;
}

void idle_task_exit(void)
{
	struct mm_struct *mm = current->active_mm;

	BUG_ON(cpu_online(smp_processor_id()));
	BUG_ON(current != idle_thread_get(smp_processor_id()));

	if (mm != &init_mm) {
		switch_mm(mm, &init_mm, current);
		finish_arch_post_lock_switch();
	}

	/* finish_cpu(), as ran on the BP, will clean up the active_mm state */
}

int finish_cpu(unsigned int cpu)
{
	struct task_struct *idle = idle_thread_get(cpu);
	struct mm_struct *mm = idle->active_mm;

	/*
	 * idle_task_exit() will have switched to &init_mm, now
	 * clean up any remaining active_mm state.
	 */
	if (mm != &init_mm)
		idle->active_mm = &init_mm;
	finish_cpu_mmdrop(mm);
	return 0;
}
