/* Follows Linux kernel/sched/core.c and init/init_task.c (subset). */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <lmemu/hypercall.h>

struct task_struct init_task __aligned(64) = {
	.comm = "swapper/0",
};

/* might_sleep(): the host checks whether the caller is in a lazy MMU section. */
void might_sleep(void)
{
	lmemu_hvc0(LMEMU_HVC_MIGHT_SLEEP);
}
