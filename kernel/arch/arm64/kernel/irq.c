/*
 * Follows Linux v6.16 arch/arm64/kernel/irq.c in role: handle_arch_irq(),
 * which would read the GIC's acknowledge register. lmemu's "interrupt
 * controller" is the host, which says which injected interrupt this is.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/kthread.h>
#include <linux/interrupt.h>
#include <asm/ptrace.h>

static struct lmemu_irq irq_desc[LMEMU_MAX_CPUS];

/*
 * Runs an injected handler (hard interrupt or softirq) between two host
 * tracepoints: the host checks it leaves the lazy MMU state as it found it.
 */
void handle_irq_event(void (*fn)(void))
{
	lmemu_hvc2(LMEMU_HVC_IRQ_HANDLER, 1, fn);
	fn();
	lmemu_hvc2(LMEMU_HVC_IRQ_HANDLER, 0, fn);
}

/* A function-call IPI: the function, in hard interrupt context, then its csd unlocked (kernel/smp.c). */
static void handle_ipi_call(smp_call_func_t fn, void *info, call_single_data_t *csd)
{
	lmemu_hvc2(LMEMU_HVC_IRQ_HANDLER, 1, fn);
	generic_smp_call_function_interrupt(fn, info, csd);
	lmemu_hvc2(LMEMU_HVC_IRQ_HANDLER, 0, fn);
}

static int lmemu_preempt_thread(void *fn)
{
	((void (*)(void))fn)();
	return 0;
}

void handle_arch_irq(struct pt_regs *regs)
{
	struct lmemu_irq *d = &irq_desc[smp_processor_id()];
	struct task_struct *t;

	lmemu_hvc1(LMEMU_HVC_IRQ_ACK, d);
	switch (d->kind) {
	case LMEMU_IRQ_HARD:
		handle_irq_event((void (*)(void))d->fn);
		break;
	case LMEMU_IRQ_SOFTIRQ:
		raise_softirq((void (*)(void))d->fn);
		break;
	case LMEMU_IRQ_CALL:
		handle_ipi_call((smp_call_func_t)d->fn, (void *)d->info, (call_single_data_t *)d->csd);
		break;
	case LMEMU_IRQ_RESCHED:
		scheduler_ipi();
		break;
	case LMEMU_IRQ_PREEMPT:
		/* A thread that must run now: wake it, and preempt whatever was running. */
		t = kthread_run(lmemu_preempt_thread, (void *)d->fn, "lmemu-preempt");
		BUG_ON(!t);
		current->migrate_to = (int)d->migrate_cpu;
		set_tsk_need_resched(current);
		break;
	default:	/* spurious */
		break;
	}
}
