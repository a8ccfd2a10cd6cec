/*
 * Follows Linux kernel/sched/core.c and init/init_task.c (subset): the boot
 * task, and one idle task per secondary CPU for the functions
 * smp_call_function_single() runs there. The host points each CPU's sp_el0
 * (`current`) at cpu_tasks[cpu].
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>

struct task_struct init_task __aligned(64) = {
	.comm = "swapper/0",
};

static struct task_struct secondary_tasks[LMEMU_MAX_CPUS - 1] __aligned(64) = {
	{ .thread_info.cpu = 1, .comm = "swapper/1" },
	{ .thread_info.cpu = 2, .comm = "swapper/2" },
	{ .thread_info.cpu = 3, .comm = "swapper/3" },
};

struct task_struct *const cpu_tasks[LMEMU_MAX_CPUS] = {
	&init_task, &secondary_tasks[0], &secondary_tasks[1], &secondary_tasks[2],
};
