/*
 * exec_mmap() before d53c3dfb23c4 (v5.9 fs/exec.c, without the old-mm
 * locking lmemu's version also leaves out): active_mm is read before the
 * switch, with interrupts (and, under PREEMPT_RT, preemption) on.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <asm/mmu_context.h>

void membarrier_exec_mmap(struct mm_struct *mm);

int exec_mmap(struct mm_struct *mm)
{
	struct task_struct *tsk = current;
	struct mm_struct *old_mm, *active_mm;

	old_mm = current->mm;
	task_lock(tsk);
	active_mm = tsk->active_mm;
	membarrier_exec_mmap(mm);
	tsk->mm = mm;
	tsk->active_mm = mm;
	activate_mm(active_mm, mm);
	task_unlock(tsk);
	if (old_mm) {
		mmput(old_mm);
		return 0;
	}
	mmdrop(active_mm);
	return 0;
}
