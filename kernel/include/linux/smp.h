/*
 * Follows Linux include/linux/smp.h (subset). CPUs run one at a time here:
 * smp_call_function_single() runs func on the other CPU to completion and
 * then returns, so a scenario spells out its interleaving.
 */
#ifndef __LINUX_SMP_H
#define __LINUX_SMP_H

#include <linux/types.h>
#include <linux/sched.h>

typedef void (*smp_call_func_t)(void *info);

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
#define num_online_cpus()	nr_cpu_ids

/* Sends the reschedule IPI: the host wakes that CPU to run what was queued there. */
void smp_send_reschedule(int cpu);

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait);

#endif
