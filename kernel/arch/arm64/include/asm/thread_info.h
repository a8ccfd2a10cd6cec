/* Follows Linux v6.16 arch/arm64/include/asm/thread_info.h (subset). */
#ifndef __ASM_THREAD_INFO_H
#define __ASM_THREAD_INFO_H

#include <linux/types.h>

struct thread_info {
	unsigned long		flags;		/* low level flags */
	int			preempt_count;	/* 0 => preemptible */
	u32			cpu;		/* the CPU running this task */
};

#define TIF_SIGPENDING		0
#define TIF_NEED_RESCHED	1
#define TIF_SWITCH_MM		23	/* a deferred switch_mm() is to be completed (arm, 2012-2013) */
#define TIF_LAZY_MMU_UPDATES	27	/* xen-pv: task switched out in lazy MMU mode (x86's bit) */
#define TIF_LAZY_MMU		31	/* Task in lazy mmu mode */
#define TIF_LAZY_MMU_PENDING	32	/* Ops pending for lazy mmu mode exit */

#endif
