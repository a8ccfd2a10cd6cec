/*
 * Follows Linux include/linux/workqueue.h (subset): work items run in
 * process context by a kernel worker of the CPU that queued them.
 */
#ifndef _LINUX_WORKQUEUE_H
#define _LINUX_WORKQUEUE_H

#include <linux/types.h>

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	work_func_t func;
	struct work_struct *next;
	int pending;
};

#define INIT_WORK(_work, _func)	do { (_work)->func = (_func); (_work)->next = NULL; (_work)->pending = 0; } while (0)

/* Queues work on this CPU's worker; false if it was queued already. Any context. */
bool schedule_work(struct work_struct *work);
/* Waits until work has run, if it was queued. Process context. */
void flush_work(struct work_struct *work);

#endif
