/*
 * Follows Linux v6.16 arch/arm64/kernel/process.c (subset): __switch_to()
 * and copy_thread() for kernel threads.
 *
 * __switch_to() is __weak so a case can replace it (the "before" cell of a
 * case about its dsb). Per-thread state (thread_info->flags, with
 * TIF_LAZY_MMU and TIF_LAZY_MMU_PENDING) travels with the task: nothing to
 * save or restore here; FP/SIMD, TLS, breakpoints and the rest are not
 * modelled.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <asm/barrier.h>

extern char ret_from_fork[];

__weak struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next)
{
	/*
	 * Complete any pending TLB or cache maintenance on this CPU in case
	 * the thread migrates to a different CPU.
	 * This full barrier is also required by the membarrier system
	 * call.
	 */
	dsb(ish);

	return cpu_switch_to(prev, next);
}

int copy_thread(struct task_struct *p, int (*fn)(void *), void *arg)
{
	memset(&p->thread.cpu_context, 0, sizeof(p->thread.cpu_context));
	p->thread.cpu_context.x19 = (unsigned long)fn;
	p->thread.cpu_context.x20 = (unsigned long)arg;
	p->thread.cpu_context.pc = (unsigned long)ret_from_fork;
	p->thread.cpu_context.sp = (unsigned long)p->stack + LMEMU_STACK_SIZE;
	return 0;
}
