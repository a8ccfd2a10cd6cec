/*
 * An arch-only alternative to v7.0's generic nesting: arm64 counts nested
 * sections itself, and only the outermost leave clears TIF_LAZY_MMU; an
 * inner leave just emits the pending barriers. Replaces the __weak hooks of
 * arch/arm64/mm/lazy_mmu.c.
 */
#include <linux/mm.h>

static unsigned int lazy_depth;

void arch_enter_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
	if (lazy_depth++ == 0)
		set_thread_flag(TIF_LAZY_MMU);
}

void arch_flush_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;
	if (test_and_clear_thread_flag(TIF_LAZY_MMU_PENDING))
		emit_pte_barriers();
}

void arch_leave_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
	arch_flush_lazy_mmu_mode();
	if (--lazy_depth == 0)
		clear_thread_flag(TIF_LAZY_MMU);
}
