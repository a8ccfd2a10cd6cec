/*
 * 49147beb0ccb "x86/xen: allow nesting of same lazy mode" (v6.6): a per-CPU
 * nesting count, so that the generic set_ptes() of bcc6cc832573 may enter
 * Xen's lazy MMU mode again inside a zap or remap section. Reverted by
 * c36549ff8d84: xen_start_context_switch() leaves one level only, so a task
 * preempted in a nested section leaves the CPU in XEN_LAZY_MMU, and the
 * switch's enter_lazy(XEN_LAZY_CPU) finds it so.
 */
#include <linux/mm.h>
#include <asm/xen/hypervisor.h>

static unsigned int xen_lazy_nesting[NR_CPUS];

void enter_lazy(enum xen_lazy_mode mode)
{
	enum xen_lazy_mode old_mode = xen_lazy_mode[smp_processor_id()];

	if (mode == old_mode) {
		xen_lazy_nesting[smp_processor_id()]++;
		return;
	}

	BUG_ON(old_mode != XEN_LAZY_NONE);

	xen_lazy_mode[smp_processor_id()] = mode;
}

void leave_lazy(enum xen_lazy_mode mode)
{
	BUG_ON(xen_lazy_mode[smp_processor_id()] != mode);

	if (xen_lazy_nesting[smp_processor_id()] == 0)
		xen_lazy_mode[smp_processor_id()] = XEN_LAZY_NONE;
	else
		xen_lazy_nesting[smp_processor_id()]--;
}
