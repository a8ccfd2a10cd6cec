/*
 * Follows Linux kernel/smp.c in interface: smp_call_function_single().
 *
 * With wait, the caller stops until the other CPU has run func(info)
 * (Linux's caller spins on the csd lock; here it is not runnable meanwhile).
 * Without, func(info) runs in an IPI on the other CPU when that CPU next
 * runs with interrupts on, and the caller goes on at once. Before raising
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
	if (!wait)
		return (int)lmemu_hvc3(LMEMU_HVC_SMP_CALL_ASYNC, cpu, func, info);
	return (int)lmemu_hvc3(LMEMU_HVC_SMP_CALL, cpu, func, info);
}

void smp_send_reschedule(int cpu)
{
	lmemu_hvc1(LMEMU_HVC_SEND_IPI, cpu);
}
