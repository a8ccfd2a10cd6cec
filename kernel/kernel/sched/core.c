/* Follows Linux kernel/sched/core.c and init/init_task.c (subset). */
#include <linux/kernel.h>
#include <linux/sched.h>

struct task_struct init_task __aligned(64) = {
	.comm = "swapper/0",
};
