/*
 * Follows Linux init/main.c in spirit only: start_kernel() here runs the
 * case's scenario() and reports the end to the host.
 */
#include <linux/kernel.h>
#include <lmemu/hypercall.h>

void scenario(void);

void __noreturn start_kernel(void)
{
	scenario();
	lmemu_hvc0(LMEMU_HVC_EXIT);
	for (;;)
		;
}
