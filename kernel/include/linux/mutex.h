/*
 * Follows Linux include/linux/mutex.h (subset): a sleeping lock.
 * mutex_lock() may sleep, so it starts with might_sleep() as Linux's does
 * (the check that catches it in atomic context); a contended lock waits by
 * giving the CPU away until the owner releases it.
 */
#ifndef __LINUX_MUTEX_H
#define __LINUX_MUTEX_H

#include <linux/sched.h>

struct mutex {
	int locked;
};

#define DEFINE_MUTEX(name)	struct mutex name = { 0 }

static inline void mutex_lock(struct mutex *lock)
{
	might_sleep();
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE))
		yield();
}

static inline void mutex_unlock(struct mutex *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#endif
