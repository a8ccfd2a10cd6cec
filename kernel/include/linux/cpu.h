/*
 * Follows Linux v6.16 include/linux/cpu.h and cpuhotplug.h (subset): taking
 * a CPU down and bringing it back (kernel/cpu.c), and the steps of it that
 * the scheduler, RCU and the arch code take.
 */
#ifndef _LINUX_CPU_H_
#define _LINUX_CPU_H_

#include <linux/types.h>

struct task_struct;

int remove_cpu(unsigned int cpu);
int add_cpu(unsigned int cpu);

/* Scheduler (kernel/sched/core.c). */
int sched_cpu_wait_empty(unsigned int cpu);
void sched_cpu_dying(unsigned int cpu);
void idle_task_exit(void);
struct task_struct *idle_thread_get(unsigned int cpu);

/* kernel/cpu.c, run by the CPUs taking part. */
void cpuhp_report_idle_dead(void);
void cpuhp_ap_report_dead(void);
void cpuhp_online_idle(void);
int finish_cpu(unsigned int cpu);
void clear_tasks_mm_cpumask(int cpu);

/* Arch (arch/arm64/kernel/smp.c). */
int __cpu_disable(void);
void __noreturn arch_cpu_idle_dead(void);
int __cpu_up(unsigned int cpu);

#endif
