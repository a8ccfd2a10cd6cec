/*
 * Follows Linux kernel/smp.c in interface: smp_call_function_single().
 *
 * Differs from Linux: the call is synchronous whatever `wait` says, and the
 * other CPU runs func(info) with nothing else interleaved. Before raising
 * the IPI it makes earlier stores visible with dsb(ishst), as arm64's GIC
 * IPI path (gic_ipi_send_mask()) does, so page-table writes this CPU has
 * deferred are visible to the other CPU's walker, though not to its own.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <asm/barrier.h>
#include <lmemu/hypercall.h>

unsigned int nr_cpu_ids = 1;

int smp_call_function_single(int cpu, smp_call_func_t func, void *info, int wait)
{
	if (cpu == smp_processor_id()) {
		func(info);
		return 0;
	}
	if (cpu < 0 || (unsigned int)cpu >= nr_cpu_ids)
		return -ENXIO;

	dsb(ishst);
	return (int)lmemu_hvc3(LMEMU_HVC_SMP_CALL, cpu, func, info);
}

void smp_send_reschedule(int cpu)
{
	lmemu_hvc1(LMEMU_HVC_SEND_IPI, cpu);
}
