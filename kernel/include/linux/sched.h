/*
 * Follows Linux include/linux/sched.h (subset). thread_info is the first
 * member of task_struct (CONFIG_THREAD_INFO_IN_TASK), as the host expects;
 * comm sits at LMEMU_TASK_COMM_OFFSET, where the host reads task names.
 *
 * Differs from Linux: one scheduling class, first in first out, no
 * priorities and no wake-up preemption, so a switch happens only at
 * schedule(), at an injected preemption, or when a task blocks or exits,
 * and every run is deterministic. Run queues take no lock: CPUs only change
 * hands at hypercalls (see kernel/sched/core.c).
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <linux/preempt.h>
#include <asm/thread_info.h>
#include <asm/current.h>
#include <asm/processor.h>
#include <asm/asm-offsets.h>
#include <lmemu/hypercall.h>

/* Task states (task->__state). */
#define TASK_RUNNING		0x00000000
#define TASK_INTERRUPTIBLE	0x00000001
#define TASK_UNINTERRUPTIBLE	0x00000002
#define TASK_DEAD		0x00000080

#define TASK_COMM_LEN		LMEMU_TASK_COMM_LEN

/* Generic lazy MMU state (v7.0, include/linux/mm_types_task.h). */
struct lazy_mmu_state {
	u8 enable_count;
	u8 pause_count;
};

struct mm_struct;

struct task_struct {
	struct thread_info	thread_info;
	struct lazy_mmu_state	lazy_mmu_state;
	char			comm[TASK_COMM_LEN] __aligned(8);
	struct thread_struct	thread;		/* cpu_switch_to()'s saved registers */
	unsigned int		__state;
	int			on_rq;		/* queued, waiting for a CPU */
	int			on_cpu;		/* running, or switching out */
	int			migrate_to;	/* lmemu: resume on this CPU after a preemption; -1 */
	struct task_struct	*run_next;	/* run queue link */
	void			*stack;		/* lowest address of the kernel stack */
	struct mm_struct	*mm;		/* NULL: a kernel thread */
	struct mm_struct	*active_mm;	/* the mm it runs on (borrowed by kernel threads) */
	int			(*threadfn)(void *data);
	void			*data;
	int			exit_code;
	int			slot;		/* index in kernel/fork.c's task table; -1 for CPU tasks */
	spinlock_t		alloc_lock;	/* task_lock(): guards mm and active_mm */
	/*
	 * __schedule() decided, under the run-queue lock, that it blocks and
	 * picked another task: Linux's deactivate_task() (on_rq = 0 there). A
	 * waker that finds it still on_cpu waits for it to leave, then queues
	 * it; one that finds it on_cpu and not deactivated needs only set its
	 * state, which __schedule() reads under the same lock.
	 */
	int			deactivated;
};

_Static_assert(__builtin_offsetof(struct task_struct, comm) == LMEMU_TASK_COMM_OFFSET,
	       "the host reads comm at LMEMU_TASK_COMM_OFFSET");
_Static_assert(__builtin_offsetof(struct task_struct, mm) == LMEMU_TASK_MM_OFFSET,
	       "the host reads mm at LMEMU_TASK_MM_OFFSET");
_Static_assert(__builtin_offsetof(struct task_struct, thread.cpu_context) == THREAD_CPU_CONTEXT,
	       "entry.S's cpu_switch_to() uses THREAD_CPU_CONTEXT");

extern struct task_struct init_task;

#define current_thread_info()	((struct thread_info *)current)
#define task_thread_info(t)	(&(t)->thread_info)
#define task_cpu(t)		((int)READ_ONCE(task_thread_info(t)->cpu))

static inline unsigned long read_thread_flags(void)
{
	return READ_ONCE(current_thread_info()->flags);
}

static inline void set_ti_thread_flag(struct thread_info *ti, int flag)
{
	__atomic_fetch_or(&ti->flags, 1UL << flag, __ATOMIC_RELAXED);
}

static inline void clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	__atomic_fetch_and(&ti->flags, ~(1UL << flag), __ATOMIC_RELAXED);
}

static inline int test_ti_thread_flag(struct thread_info *ti, int flag)
{
	return (READ_ONCE(ti->flags) >> flag) & 1;
}

static inline int test_and_clear_ti_thread_flag(struct thread_info *ti, int flag)
{
	return (__atomic_fetch_and(&ti->flags, ~(1UL << flag), __ATOMIC_SEQ_CST) >> flag) & 1;
}

#define set_thread_flag(flag)		set_ti_thread_flag(current_thread_info(), flag)
#define clear_thread_flag(flag)		clear_ti_thread_flag(current_thread_info(), flag)
#define test_thread_flag(flag)		test_ti_thread_flag(current_thread_info(), flag)
#define test_and_clear_thread_flag(flag) test_and_clear_ti_thread_flag(current_thread_info(), flag)

#define set_tsk_need_resched(t)		set_ti_thread_flag(task_thread_info(t), TIF_NEED_RESCHED)
#define clear_tsk_need_resched(t)	clear_ti_thread_flag(task_thread_info(t), TIF_NEED_RESCHED)

#define __set_current_state(s)		WRITE_ONCE(current->__state, (s))
#define set_current_state(s)		do { WRITE_ONCE(current->__state, (s)); __atomic_thread_fence(__ATOMIC_SEQ_CST); } while (0)

void sched_init(void);
void schedule(void);
void schedule_tail(struct task_struct *prev);
void schedule_preempt_disabled(void);
void preempt_schedule_irq(void);
int wake_up_process(struct task_struct *p);
void yield(void);
void __noreturn do_exit(long code);
void put_task_struct(struct task_struct *t);
int cpu_has_queued_tasks(int cpu);
/* The reschedule IPI's handler: preempt if a task is queued here. */
void scheduler_ipi(void);
void cpu_do_idle(void);
void __noreturn cpu_startup_entry(void);
void arch_start_context_switch(struct task_struct *prev);
void arch_end_context_switch(struct task_struct *next);

/* arch/arm64/kernel/process.c and entry.S. */
struct task_struct *__switch_to(struct task_struct *prev, struct task_struct *next);
struct task_struct *cpu_switch_to(struct task_struct *prev, struct task_struct *next);

/*
 * might_sleep(): inline, as Linux's macro is, so the report names the
 * caller. The host checks what __might_sleep() checks (atomic context,
 * interrupts off) and whether a lazy MMU section is open.
 */
#define might_sleep() lmemu_hvc2(LMEMU_HVC_MIGHT_SLEEP, (unsigned long)__FILE__, __LINE__)

/*
 * cond_resched(): where a CONFIG_PREEMPT_NONE kernel honours a pending
 * reschedule (an injected preemption). Under CONFIG_PREEMPT Linux makes it a
 * might_sleep() check only; it honours one here too, which changes nothing
 * there since preemption already happened when it could.
 */
#define cond_resched() ({						\
	might_sleep();							\
	if (!preempt_count() && need_resched())				\
		schedule();						\
	0;								\
})

/* Scenario helpers that fake interrupt context without an interrupt. */
static inline void irq_enter(void) { preempt_count_add(HARDIRQ_OFFSET); }
static inline void irq_exit(void) { preempt_count_sub(HARDIRQ_OFFSET); }

#endif
