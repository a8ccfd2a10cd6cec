/*
 * Follows Linux init/main.c in spirit only: start_kernel() marks the CPUs
 * online, sets up the run queues and runs the case's scenario() as
 * init_task, then reports the end to the host. Threads the scenario started
 * and that have not finished by then are not run further.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <lmemu/hypercall.h>

void scenario(void);
void mm_cache_init(void);
void asids_init(void);

void __noreturn start_kernel(void)
{
	smp_init();
	mm_cache_init();
	asids_init();
	sched_init();
	scenario();
	lmemu_hvc0(LMEMU_HVC_EXIT);
	for (;;)
		;
}
