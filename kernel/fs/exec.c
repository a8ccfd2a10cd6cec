/*
 * Follows Linux v6.16 fs/exec.c (subset): exec_mmap(), which puts the new
 * mm in place of the old one (or of the lazily borrowed active_mm, when a
 * kernel thread execs, as kernel_execve() does).
 *
 * Differs from Linux: no old-mm locking (exec_update_lock, mmap lock), no
 * vma cache; __weak, so a case can put the version before a fix in its place.
 */
#include <linux/kernel.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <asm/mmu_context.h>

void membarrier_exec_mmap(struct mm_struct *mm);

__weak int exec_mmap(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *old_mm, *active_mm;

	old_mm = current->mm;
	task_lock(tsk);
	membarrier_exec_mmap(mm);

	local_irq_disable();
	active_mm = tsk->active_mm;
	tsk->active_mm = mm;
	tsk->mm = mm;
	/*
	 * This prevents preemption while active_mm is being loaded and
	 * it and mm are being updated, which could cause problems for
	 * lazy tlb mm refcounting when these are updated by context
	 * switches. Not all architectures can handle irqs off over
	 * activate_mm yet.
	 */
	if (!IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	activate_mm(active_mm, mm);
	if (IS_ENABLED(CONFIG_ARCH_WANT_IRQS_OFF_ACTIVATE_MM))
		local_irq_enable();
	task_unlock(tsk);
	if (old_mm) {
		mmput(old_mm);
		return 0;
	}
	mmdrop_lazy_tlb(active_mm);
	return 0;
}
