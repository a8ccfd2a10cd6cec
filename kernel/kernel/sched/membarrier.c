/*
 * Follows Linux v6.16 kernel/sched/membarrier.c in interface:
 * membarrier_exec_mmap(). There is no membarrier() system call here, so
 * what is left is the full barrier exec needs before the new mm is seen.
 */
#include <linux/kernel.h>
#include <linux/mm_types.h>
#include <asm/barrier.h>

noinline void membarrier_exec_mmap(struct mm_struct *mm)
{
	/*
	 * Issue a memory barrier before clearing membarrier_state to
	 * guarantee that no memory access prior to exec is reordered after
	 * clearing this state.
	 */
	smp_mb();
}
