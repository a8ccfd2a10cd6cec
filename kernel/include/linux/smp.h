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

#define smp_processor_id()	((int)current_thread_info()->cpu)
#define num_online_cpus()	nr_cpu_ids

/* Sends the reschedule IPI: the host wakes that CPU to run what was queued there. */
void smp_send_reschedule(int cpu);

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait);

#endif
