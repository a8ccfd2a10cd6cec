/*
 * kthread_use_mm() before 38cf307c1f20 ("mm: fix kthread_use_mm() vs TLB
 * invalidate", v5.9): v6.16's function with that fix taken out, so
 * interrupts stay on between the active_mm update and switch_mm(). A TLB
 * flush IPI can land there and find active_mm already the new mm while the
 * MMU still runs the old one.
 */
#include <linux/bug.h>
#include <linux/kthread.h>
#include <linux/sched/mm.h>
#include <asm/mmu_context.h>

void kthread_use_mm(struct mm_struct *mm)
{
	struct mm_struct *active_mm;
	struct task_struct *tsk = current;

	WARN_ON_ONCE(tsk->mm);
	mmgrab(mm);
	active_mm = tsk->active_mm;
	tsk->active_mm = mm;
	tsk->mm = mm;
	switch_mm(active_mm, mm, tsk);
	finish_arch_post_lock_switch();
	mmdrop_lazy_tlb(active_mm);
}
