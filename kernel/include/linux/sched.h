/*
 * Follows Linux include/linux/sched.h (subset). thread_info is the first
 * member of task_struct (CONFIG_THREAD_INFO_IN_TASK), as the host expects.
 */
#ifndef _LINUX_SCHED_H
#define _LINUX_SCHED_H

#include <linux/compiler.h>
#include <linux/types.h>
#include <asm/thread_info.h>
#include <asm/current.h>
#include <lmemu/hypercall.h>

/* Generic lazy MMU state (v7.0, include/linux/mm_types_task.h). */
struct lazy_mmu_state {
	u8 enable_count;
	u8 pause_count;
};

struct task_struct {
	struct thread_info	thread_info;
	struct lazy_mmu_state	lazy_mmu_state;
	const char		*comm;
};

extern struct task_struct init_task;

#define current_thread_info()	((struct thread_info *)current)

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

/* Interrupt context, as include/linux/preempt.h counts it. */
#define HARDIRQ_OFFSET		(1 << 16)
#define in_interrupt()		(current_thread_info()->preempt_count & (0xff << 8 | 0xf << 16 | 1 << 20))
#define in_task()		(!in_interrupt())

/* Scenario helpers standing in for an interrupt arriving and returning. */
static inline void irq_enter(void) { current_thread_info()->preempt_count += HARDIRQ_OFFSET; }
static inline void irq_exit(void) { current_thread_info()->preempt_count -= HARDIRQ_OFFSET; }

/*
 * might_sleep(): inline, as Linux's macro is, so the report names the caller.
 * The host checks whether it is inside a lazy MMU section.
 */
static inline void might_sleep(void)
{
	lmemu_hvc0(LMEMU_HVC_MIGHT_SLEEP);
}

#endif
