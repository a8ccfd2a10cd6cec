/* Follows Linux include/linux/kthread.h (subset). */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H

#include <linux/sched.h>

/*
 * A new kernel thread that will run threadfn(data) once woken, named from
 * namefmt (printf-style). NULL when all LMEMU_MAX_TASKS slots are in use
 * (Linux returns an ERR_PTR).
 */
__attribute__((format(printf, 3, 4)))
struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, const char *namefmt, ...);

/* Binds a not yet woken thread to a CPU. */
void kthread_bind(struct task_struct *p, unsigned int cpu);

struct mm_struct;
/* The calling kernel thread runs on mm (tsk->mm = mm) until kthread_unuse_mm(). */
void kthread_use_mm(struct mm_struct *mm);
void kthread_unuse_mm(struct mm_struct *mm);

#define kthread_run(threadfn, data, namefmt, ...) ({			\
	struct task_struct *__k = kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (__k)							\
		wake_up_process(__k);					\
	__k;								\
})

#endif
