/*
 * The arm64 lazy MMU hooks and queue_pte_barriers() as 5fdd05efa1cd merged
 * them, before b81c688426a9 ("arm64/mm: Disable barrier batching in
 * interrupt contexts"): no in_interrupt() checks. An interrupt handler that
 * changes kernel PTEs while the interrupted task has TIF_LAZY_MMU set has its
 * barriers deferred, and its own lazy sections change the task's flags.
 * Replaces the __weak versions in arch/arm64/mm/lazy_mmu.c.
 */
#include <linux/mm.h>

void queue_pte_barriers(void)
{
	unsigned long flags = read_thread_flags();

	if (flags & BIT(TIF_LAZY_MMU)) {
		if (!(flags & BIT(TIF_LAZY_MMU_PENDING)))
			set_thread_flag(TIF_LAZY_MMU_PENDING);
	} else {
		emit_pte_barriers();
	}
}

void arch_enter_lazy_mmu_mode(void)
{
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
	set_thread_flag(TIF_LAZY_MMU);
}

void arch_flush_lazy_mmu_mode(void)
{
	if (test_and_clear_thread_flag(TIF_LAZY_MMU_PENDING))
		emit_pte_barriers();
}

void arch_leave_lazy_mmu_mode(void)
{
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	arch_flush_lazy_mmu_mode();
	clear_thread_flag(TIF_LAZY_MMU);
}
