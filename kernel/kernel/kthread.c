/*
 * Follows Linux v6.16 kernel/kthread.c (subset): kthread_create() without
 * kthreadd (the thread is made directly, on the calling CPU), kthread_bind(),
 * kthread_use_mm() and kthread_unuse_mm().
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/printk.h>
#include <linux/irqflags.h>
#include <linux/sched/mm.h>
#include <asm/mmu_context.h>

struct task_struct *copy_process(int (*fn)(void *), void *arg, const char *name);
int vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list args);

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, const char *namefmt, ...)
{
	char name[TASK_COMM_LEN];
	__builtin_va_list args;

	__builtin_va_start(args, namefmt);
	vsnprintf(name, sizeof(name), namefmt, args);
	__builtin_va_end(args);
	return copy_process(threadfn, data, name);
}

void kthread_bind(struct task_struct *p, unsigned int cpu)
{
	WARN_ON(p->__state == TASK_RUNNING);
	task_thread_info(p)->cpu = cpu;
}

/*
 * A kernel thread takes on an address space (v6.16, without membarrier's and
 * task_lock's parts). __weak: a case may put back an older version.
 */
__weak void kthread_use_mm(struct mm_struct *mm)
{
	struct mm_struct *active_mm;
	struct task_struct *tsk = current;

	WARN_ON_ONCE(tsk->mm);
	/*
	 * It is possible for mm to be the same as tsk->active_mm, but we must
	 * still mmgrab(mm) and mmdrop_lazy_tlb(active_mm), because these
	 * references are not equivalent.
	 */
	mmgrab(mm);
	local_irq_disable();
	active_mm = tsk->active_mm;
	tsk->active_mm = mm;
	tsk->mm = mm;
	switch_mm_irqs_off(active_mm, mm, tsk);
	local_irq_enable();
	finish_arch_post_lock_switch();
	mmdrop_lazy_tlb(active_mm);
}

void kthread_unuse_mm(struct mm_struct *mm)
{
	struct task_struct *tsk = current;

	WARN_ON_ONCE(!tsk->mm);
	smp_mb();
	local_irq_disable();
	tsk->mm = NULL;
	mmgrab_lazy_tlb(mm);
	/* active_mm is still 'mm' */
	enter_lazy_tlb(mm, tsk);
	local_irq_enable();
	mmdrop(mm);
}
