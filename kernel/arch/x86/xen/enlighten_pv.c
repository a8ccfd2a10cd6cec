/*
 * Follows Linux v6.16 arch/x86/xen/enlighten_pv.c: Xen PV leaves lazy MMU
 * mode at a context switch, issuing the outgoing task's batch and marking it
 * TIF_LAZY_MMU_UPDATES, and re-enters it for an incoming task so marked.
 * (CONFIG_LMEMU_ARCH_XEN_PV only.) The nesting tracker of the task is left
 * alone: the task's section stays open while it is switched out.
 */
#ifdef CONFIG_LMEMU_ARCH_XEN_PV

#include <linux/bug.h>
#include <linux/sched.h>
#include <asm/xen/hypervisor.h>

__weak void xen_start_context_switch(struct task_struct *prev)
{
	BUG_ON(preemptible());

	if (xen_lazy_mode[smp_processor_id()] == XEN_LAZY_MMU) {
		/* The pvop, not the traced arch hook: the task's section stays open. */
		preempt_disable();
		xen_mc_flush();
		leave_lazy(XEN_LAZY_MMU);
		preempt_enable();
		set_ti_thread_flag(task_thread_info(prev), TIF_LAZY_MMU_UPDATES);
	}
	enter_lazy(XEN_LAZY_CPU);
}

__weak void xen_end_context_switch(struct task_struct *next)
{
	BUG_ON(preemptible());

	xen_mc_flush();
	leave_lazy(XEN_LAZY_CPU);
	if (test_and_clear_ti_thread_flag(task_thread_info(next), TIF_LAZY_MMU_UPDATES))
		enter_lazy(XEN_LAZY_MMU);
}

void arch_start_context_switch(struct task_struct *prev)
{
	xen_start_context_switch(prev);
}

void arch_end_context_switch(struct task_struct *next)
{
	xen_end_context_switch(next);
}

#endif /* CONFIG_LMEMU_ARCH_XEN_PV */
