/*
 * Follows Linux v6.16 kernel/kthread.c (subset): kthread_create() without
 * kthreadd (the thread is made directly, on the calling CPU), kthread_bind().
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/printk.h>

struct task_struct *copy_process(int (*fn)(void *), void *arg, const char *name);
int vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list args);

struct task_struct *kthread_create(int (*threadfn)(void *data), void *data, const char *namefmt, ...)
{
	char name[TASK_COMM_LEN];
	__builtin_va_list args;

	__builtin_va_start(args, namefmt);
	vsnprintf(name, sizeof(name), namefmt, args);
	__builtin_va_end(args);
	return copy_process(threadfn, data, name);
}

void kthread_bind(struct task_struct *p, unsigned int cpu)
{
	WARN_ON(p->__state == TASK_RUNNING);
	task_thread_info(p)->cpu = cpu;
}
