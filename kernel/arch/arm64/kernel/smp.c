/*
 * Follows Linux v6.16 arch/arm64/kernel/smp.c (subset): a secondary CPU's
 * start, __cpu_disable(), cpu_die() and __cpu_up(), with PSCI's CPU_OFF
 * and CPU_ON as hypercalls.
 *
 * Differs from Linux: __cpu_disable() also clears the CPU from every task's
 * mm_cpumask() (clear_tasks_mm_cpumask(), as arm and powerpc do), because
 * lmemu's switch_mm() keeps mm_cpumask() as powerpc does (asm/mmu_context.h).
 */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <linux/rcupdate.h>
#include <linux/irqflags.h>
#include <asm/mmu_context.h>
#include <asm/tlbflush.h>
#include <lmemu/hypercall.h>

/* Every start but the first: the host set up the first (registers, TLB, TTBR0). */
static int cpu_started_before[NR_CPUS];

/* secondary_startup (head.S) calls this on the CPU's boot stack, as its idle task. */
void __noreturn secondary_start_kernel(void)
{
	unsigned int cpu = smp_processor_id();

	if (cpu_started_before[cpu]) {
		/* __cpu_setup()'s TLB invalidation; the reserved TTBR0 until a user mm is switched to. */
		local_flush_tlb_all();
		cpu_set_reserved_ttbr0();
		/* All kernel threads share the same mm context (init_mm): a lazy reference. */
		mmgrab_lazy_tlb(&init_mm);
		current->active_mm = &init_mm;
		rcutree_report_cpu_starting(cpu);
		set_cpu_online(cpu, true);
		cpuhp_online_idle();
	}
	cpu_started_before[cpu] = 1;
	cpu_startup_entry();
}

int __cpu_disable(void)
{
	unsigned int cpu = smp_processor_id();

	/* Take this CPU offline: no more IPIs or wake-ups are aimed at it. */
	set_cpu_online(cpu, false);
	clear_tasks_mm_cpumask(cpu);
	return 0;
}

static void __noreturn cpu_die(void)
{
	idle_task_exit();

	local_irq_disable();

	/* Tell cpuhp_bp_sync_dead() that this CPU is now safe to dispose of */
	cpuhp_ap_report_dead();

	lmemu_hvc0(LMEMU_HVC_CPU_OFF);
	BUG();	/* "CPU%u: cpu didn't die" */
	for (;;)
		;
}

void __noreturn arch_cpu_idle_dead(void)
{
	cpu_die();
}

int __cpu_up(unsigned int cpu)
{
	return (int)lmemu_hvc1(LMEMU_HVC_CPU_ON, cpu);
}
