/* Follows Linux include/linux/sched/task.h (subset): task_lock(). */
#ifndef _LINUX_SCHED_TASK_H
#define _LINUX_SCHED_TASK_H

#include <linux/sched.h>
#include <linux/spinlock.h>

/* Protects ->mm and ->active_mm (among others) against readers elsewhere. */
static inline void task_lock(struct task_struct *p)
{
	spin_lock(&p->alloc_lock);
}

static inline void task_unlock(struct task_struct *p)
{
	spin_unlock(&p->alloc_lock);
}

#endif
