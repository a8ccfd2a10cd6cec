/*
 * Stands in for Linux's generated asm-offsets.h: the task_struct offsets
 * entry.S needs, checked against the C layout in kernel/sched/core.c.
 */
#ifndef __ASM_OFFSETS_H
#define __ASM_OFFSETS_H

#define THREAD_CPU_CONTEXT	40	/* offsetof(struct task_struct, thread.cpu_context) */

#endif
