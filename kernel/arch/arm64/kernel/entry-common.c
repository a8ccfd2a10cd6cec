/*
 * Follows Linux v6.16 arch/arm64/kernel/entry-common.c (subset): what an
 * EL1 IRQ does between kernel_entry and kernel_exit, including the
 * preemption on return (arm64_preempt_schedule_irq()).
 *
 * Differs from Linux: no RCU, lockdep or context tracking; the host is told
 * when the interrupt is about to return (LMEMU_HVC_IRQ_RETURN) so a
 * preemption that has to wait for preempt_enable() can be reported.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/interrupt.h>
#include <asm/ptrace.h>

void handle_arch_irq(struct pt_regs *regs);

/* CONFIG_PREEMPTION only: a CONFIG_PREEMPT_NONE kernel waits for cond_resched(). */
static void arm64_preempt_schedule_irq(void)
{
#ifndef CONFIG_PREEMPT_NONE
	if (READ_ONCE(current_thread_info()->preempt_count) != 0)
		return;
	if (need_resched())
		preempt_schedule_irq();
#endif
}

void el1_interrupt(struct pt_regs *regs)
{
	irq_enter_rcu();
	handle_arch_irq(regs);
	irq_exit_rcu();
	lmemu_hvc0(LMEMU_HVC_IRQ_RETURN);
	arm64_preempt_schedule_irq();
}
