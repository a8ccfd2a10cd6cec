/*
 * Follows Linux v6.16 kernel/fork.c (subset): copy_process() for kernel
 * threads. Task structs come from a fixed table of LMEMU_MAX_TASKS slots;
 * each slot's stack is mapped by the host the first time it is used
 * (LMEMU_HVC_TASK_STACK), standing in for alloc_thread_stack_node()'s
 * vmalloc, so creating a thread adds no page-table stores of its own.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/mm_types.h>

static struct task_struct task_table[LMEMU_MAX_TASKS] __aligned(64);
static int task_slot_used[LMEMU_MAX_TASKS];

int copy_thread(struct task_struct *p, int (*fn)(void *), void *arg);

static struct task_struct *dup_task_struct(void)
{
	unsigned long flags, top;
	struct task_struct *p = NULL;
	int i;

	local_irq_save(flags);
	for (i = 0; i < LMEMU_MAX_TASKS; i++) {
		if (!task_slot_used[i]) {
			task_slot_used[i] = 1;
			p = &task_table[i];
			break;
		}
	}
	local_irq_restore(flags);
	if (!p)
		return NULL;

	top = lmemu_hvc1(LMEMU_HVC_TASK_STACK, i);
	memset(p, 0, sizeof(*p));
	p->slot = i;
	p->stack = (void *)(top - LMEMU_STACK_SIZE);
	return p;
}

void put_task_struct(struct task_struct *t)
{
	if (t->slot >= 0)
		WRITE_ONCE(task_slot_used[t->slot], 0);
}

struct task_struct *copy_process(int (*fn)(void *), void *arg, const char *name)
{
	struct task_struct *p = dup_task_struct();
	int i;

	if (!p)
		return NULL;
	for (i = 0; name[i] && i < TASK_COMM_LEN - 1; i++)
		p->comm[i] = name[i];
	p->__state = TASK_UNINTERRUPTIBLE;
	p->migrate_to = -1;
	p->threadfn = fn;
	p->data = arg;
	p->mm = NULL;
	p->active_mm = &init_mm;
	task_thread_info(p)->cpu = smp_processor_id();
	task_thread_info(p)->preempt_count = FORK_PREEMPT_COUNT;
	copy_thread(p, fn, arg);
	return p;
}
