/* Follows Linux include/linux/completion.h (subset): one waiter at a time. */
#ifndef __LINUX_COMPLETION_H
#define __LINUX_COMPLETION_H

#include <linux/sched.h>

struct completion {
	unsigned int done;
	struct task_struct *waiter;
};

#define DECLARE_COMPLETION(work)	struct completion work = { 0, NULL }
#define init_completion(x)		do { (x)->done = 0; (x)->waiter = NULL; } while (0)

void complete(struct completion *x);
void wait_for_completion(struct completion *x);

#endif
