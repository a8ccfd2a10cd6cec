/*
 * Follows Linux v6.16 kernel/smp.c (subset): smp_call_function_single(),
 * smp_call_function_many_cond() and the on_each_cpu() family, with a
 * call_single_data per (sending CPU, target CPU) locked while in flight.
 *
 * Differs from Linux:
 *  - no call_single_queue: each csd is its own IPI, which the host queues on
 *    the target and delivers when that CPU next runs with interrupts on;
 *  - smp_call_function_single(wait = 1) still stops the caller and runs
 *    func(info) on the target at once (see lmemu/machine.h SMP_CALL);
 *    wait = 0 is an IPI without a csd.
 * Before raising an IPI it makes earlier stores visible with dsb(ishst), as
 * arm64's GIC IPI path (gic_ipi_send_mask()) does, so page-table writes this
 * CPU has deferred are visible to the other CPU's walker, though not to its own.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/bug.h>
#include <linux/build_bug.h>
#include <asm/barrier.h>
#include <asm/processor.h>
#include <lmemu/hypercall.h>

unsigned int nr_cpu_ids = 1;
struct cpumask __cpu_online_mask;

struct call_function_data {
	call_single_data_t csd[NR_CPUS];
	struct cpumask cpumask;
};

static struct call_function_data cfd_data[NR_CPUS];

void smp_init(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		cpumask_set_cpu(cpu, &__cpu_online_mask);
}

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

static void csd_lock_wait(call_single_data_t *csd)
{
	while (smp_load_acquire(&csd->flags) & CSD_FLAG_LOCK)
		cpu_relax();
}

static void csd_lock(call_single_data_t *csd)
{
	csd_lock_wait(csd);
	csd->flags |= CSD_FLAG_LOCK;
	smp_wmb();
}

static void csd_unlock(call_single_data_t *csd)
{
	WARN_ON(!(csd->flags & CSD_FLAG_LOCK));
	smp_store_release(&csd->flags, 0);
}

/* Runs on the target, in hard interrupt context (handle_arch_irq()). */
void generic_smp_call_function_interrupt(smp_call_func_t func, void *info, call_single_data_t *csd)
{
	/* An asynchronous caller may reuse its csd once the function has been read. */
	if (csd && !(csd->flags & CSD_TYPE_SYNC))
		csd_unlock(csd);
	func(info);
	if (csd && (csd->flags & CSD_TYPE_SYNC))
		csd_unlock(csd);
}

static void smp_call_function_many_cond(const struct cpumask *mask, smp_call_func_t func, void *info,
					bool wait, bool run_local, smp_cond_func_t cond_func)
{
	int this_cpu = smp_processor_id();
	struct call_function_data *cfd = &cfd_data[this_cpu];
	unsigned long flags;
	int cpu;

	BUILD_BUG_ON(__builtin_offsetof(call_single_data_t, func) != __builtin_offsetof(struct lmemu_csd, func) ||
		     __builtin_offsetof(call_single_data_t, info) != __builtin_offsetof(struct lmemu_csd, info));
	/* Waiting with interrupts off deadlocks against a CPU doing the same to us. */
	WARN_ON_ONCE(irqs_disabled());

	cpumask_and(&cfd->cpumask, mask, cpu_online_mask);
	__cpumask_clear_cpu(this_cpu, &cfd->cpumask);
	for_each_cpu(cpu, &cfd->cpumask) {
		call_single_data_t *csd = &cfd->csd[cpu];

		if (cond_func && !cond_func(cpu, info)) {
			__cpumask_clear_cpu(cpu, &cfd->cpumask);
			continue;
		}
		csd_lock(csd);
		if (wait)
			csd->flags |= CSD_TYPE_SYNC;
		csd->func = func;
		csd->info = info;
	}

	if (!cpumask_empty(&cfd->cpumask))
		dsb(ishst);
	for_each_cpu(cpu, &cfd->cpumask)
		lmemu_hvc2(LMEMU_HVC_SMP_CALL_CSD, cpu, &cfd->csd[cpu]);

	if (run_local && (!cond_func || cond_func(this_cpu, info))) {
		local_irq_save(flags);
		func(info);
		local_irq_restore(flags);
	}

	if (wait)
		for_each_cpu(cpu, &cfd->cpumask)
			csd_lock_wait(&cfd->csd[cpu]);
}

void smp_call_function_many(const struct cpumask *mask, smp_call_func_t func, void *info, bool wait)
{
	smp_call_function_many_cond(mask, func, info, wait, false, NULL);
}

void smp_call_function(smp_call_func_t func, void *info, int wait)
{
	smp_call_function_many(cpu_online_mask, func, info, wait);
}

void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func, void *info, bool wait,
			   const struct cpumask *mask)
{
	preempt_disable();
	smp_call_function_many_cond(mask, func, info, wait, cpumask_test_cpu(smp_processor_id(), mask), cond_func);
	preempt_enable();
}

void smp_send_reschedule(int cpu)
{
	lmemu_hvc1(LMEMU_HVC_SEND_IPI, cpu);
}
