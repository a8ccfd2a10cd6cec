/* Follows Linux include/linux/completion.h (subset): one waiter at a time. */
#ifndef __LINUX_COMPLETION_H
#define __LINUX_COMPLETION_H

#include <linux/sched.h>
#include <linux/spinlock.h>

struct completion {
	unsigned int done;
	struct task_struct *waiter;
	spinlock_t lock;
};

#define DECLARE_COMPLETION(work)	struct completion work = { 0, NULL, __SPIN_LOCK_UNLOCKED(work.lock) }
#define init_completion(x) \
	do { (x)->done = 0; (x)->waiter = NULL; spin_lock_init(&(x)->lock); } while (0)

void complete(struct completion *x);
void wait_for_completion(struct completion *x);

#endif
