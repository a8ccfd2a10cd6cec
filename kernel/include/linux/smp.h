/*
 * Follows Linux include/linux/smp.h (subset).
 *
 * smp_call_function_single(wait = 1) runs func on the other CPU to
 * completion while the caller stops; every other cross-CPU call is an
 * asynchronous IPI taken when the target next runs with interrupts on, and a
 * caller that waits spins on the call_single_data lock as Linux's does.
 */
#ifndef __LINUX_SMP_H
#define __LINUX_SMP_H

#include <linux/types.h>
#include <linux/sched.h>
#include <linux/cpumask.h>

typedef void (*smp_call_func_t)(void *info);
typedef bool (*smp_cond_func_t)(int cpu, void *info);

/* Laid out as struct lmemu_csd (lmemu/machine.h): the host reads func and info. */
struct __call_single_data {
	unsigned long flags;
	smp_call_func_t func;
	void *info;
};
typedef struct __call_single_data call_single_data_t;

#define CSD_FLAG_LOCK		0x01
#define CSD_TYPE_SYNC		0x10

/* Set by the host to the number of CPUs the case asked for (`cpus`). */
extern unsigned int nr_cpu_ids;

/*
 * The CPU this code runs on. arm64 Linux reads a per-CPU variable through
 * TPIDR_EL1 (the per-CPU offset); here the host puts the CPU number there.
 * Not current's thread_info->cpu: __schedule() changes that of a task it
 * migrates while still running on the old CPU.
 */
static __always_inline int raw_smp_processor_id(void)
{
	unsigned long cpu;

	asm volatile("mrs %0, tpidr_el1" : "=r" (cpu));
	return (int)cpu;
}
#define smp_processor_id()	raw_smp_processor_id()

/* Marks CPUs 0 .. nr_cpu_ids - 1 online (start_kernel()). */
void smp_init(void);

/* Sends the reschedule IPI: the CPU wakes if idle, or takes scheduler_ipi(). */
void smp_send_reschedule(int cpu);

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait);
void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info, bool wait);
void smp_call_function(smp_call_func_t func, void *info, int wait);
void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void *info, bool wait,
			   const struct cpumask *mask);

static inline void on_each_cpu(smp_call_func_t func, void *info, int wait)
{
	on_each_cpu_cond_mask(NULL, func, info, wait, cpu_online_mask);
}

static inline void on_each_cpu_mask(const struct cpumask *mask, smp_call_func_t func, void *info, bool wait)
{
	on_each_cpu_cond_mask(NULL, func, info, wait, mask);
}

/* The IPI's end: runs csd's function in hard interrupt context and unlocks it (kernel/smp.c). */
void generic_smp_call_function_interrupt(smp_call_func_t func, void *info, call_single_data_t *csd);

#endif
