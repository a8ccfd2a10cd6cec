/*
 * Follows Linux v6.16 kernel/workqueue.c in interface: schedule_work() and
 * flush_work() on the system workqueue.
 *
 * Differs from Linux: one worker per CPU, a kernel thread made the first
 * time that CPU queues work (Linux's kworkers exist from boot), running
 * items in queue order; no concurrency management, no other workqueues;
 * flush_work() waits for every worker to be idle, not just for its item.
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/barrier.h>

struct worker_pool {
	raw_spinlock_t lock;
	struct work_struct *head, *tail;
	struct task_struct *worker;
	int busy;			/* running an item */
};

static struct worker_pool pools[LMEMU_MAX_CPUS];

static int worker_thread(void *arg)
{
	struct worker_pool *pool = arg;

	for (;;) {
		struct work_struct *work;
		unsigned long flags;

		local_irq_save(flags);
		raw_spin_lock(&pool->lock);
		work = pool->head;
		if (work) {
			pool->head = work->next;
			if (!pool->head)
				pool->tail = NULL;
			pool->busy = 1;
		} else {
			set_current_state(TASK_UNINTERRUPTIBLE);
		}
		raw_spin_unlock(&pool->lock);
		local_irq_restore(flags);
		if (!work) {
			schedule();
			continue;
		}
		/* Cleared before the call, as Linux does: the function may free the item. */
		smp_store_release(&work->pending, 0);
		work->func(work);
		smp_store_release(&pool->busy, 0);
	}
	return 0;
}

bool schedule_work(struct work_struct *work)
{
	struct worker_pool *pool;
	unsigned long flags;
	int cpu;

	if (__atomic_exchange_n(&work->pending, 1, __ATOMIC_ACQ_REL))
		return false;
	local_irq_save(flags);
	cpu = smp_processor_id();
	pool = &pools[cpu];
	if (!pool->worker) {
		pool->worker = kthread_create(worker_thread, pool, "kworker/%d:1", cpu);
		BUG_ON(!pool->worker);
		kthread_bind(pool->worker, cpu);
	}
	raw_spin_lock(&pool->lock);
	work->next = NULL;
	if (pool->tail)
		pool->tail->next = work;
	else
		pool->head = work;
	pool->tail = work;
	raw_spin_unlock(&pool->lock);
	wake_up_process(pool->worker);
	local_irq_restore(flags);
	return true;
}

static bool workers_idle(void)
{
	int cpu;

	for (cpu = 0; cpu < LMEMU_MAX_CPUS; cpu++)
		if (READ_ONCE(pools[cpu].head) || smp_load_acquire(&pools[cpu].busy))
			return false;
	return true;
}

void flush_work(struct work_struct *work)
{
	might_sleep();
	while (!workers_idle())
		schedule();
}
