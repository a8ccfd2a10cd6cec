/* Follows Linux v6.16 arch/arm64/include/asm/current.h: `current` lives in sp_el0. */
#ifndef __ASM_CURRENT_H
#define __ASM_CURRENT_H

struct task_struct;

static __always_inline struct task_struct *get_current(void)
{
	unsigned long sp_el0;

	asm ("mrs %0, sp_el0" : "=r" (sp_el0));

	return (struct task_struct *)sp_el0;
}

#define current get_current()

#endif
