/*
 * The arm64 lazy MMU hooks of Linux v6.16 arch/arm64/include/asm/pgtable.h,
 * out of line and __weak so a case can supply its own (Linux has them static
 * inline). Which nesting behaviour they have follows the case's policy:
 *
 *  CONFIG_LAZY_MMU_ARM64_V6_15   the series as first merged: nesting WARNs
 *  CONFIG_LAZY_MMU_ARM64_V6_16   1ef3095b1405: nesting tolerated, the first
 *                                leave ends the section
 *  CONFIG_LAZY_MMU_GENERIC_V7_0  the hooks are called by the counting layer in
 *                                linux/pgtable.h, which traces instead
 *  CONFIG_LAZY_MMU_NO_NESTING    a nested enter is a BUG
 *
 * queue_pte_barriers() is here for the same reason.
 *
 * A replacement should call lmemu_trace_lazy_mmu() as these do if it wants
 * lmemu's nesting checks and lost-batching counts.
 *
 * Under the other arch models the hooks are theirs (arch/x86/xen/mmu_pv.c,
 * arch/powerpc/mm/book3s64/hash_tlb.c, arch/sparc/mm/tlb.c).
 */
#include <linux/mm.h>

#ifdef CONFIG_LMEMU_ARCH_ARM64

__weak void queue_pte_barriers(void)
{
	unsigned long flags;

	if (in_interrupt()) {
		emit_pte_barriers();
		return;
	}

	flags = read_thread_flags();

	if (flags & BIT(TIF_LAZY_MMU)) {
		/* Avoid the atomic op if already set. */
		if (!(flags & BIT(TIF_LAZY_MMU_PENDING)))
			set_thread_flag(TIF_LAZY_MMU_PENDING);
	} else {
		emit_pte_barriers();
	}
}

__weak void arch_enter_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
#if defined(CONFIG_LAZY_MMU_ARM64_V6_15)
	VM_WARN_ON(test_thread_flag(TIF_LAZY_MMU));
#elif defined(CONFIG_LAZY_MMU_NO_NESTING)
	BUG_ON(test_thread_flag(TIF_LAZY_MMU));
#endif
	/*
	 * lazy_mmu_mode is not supposed to permit nesting. But in practice this
	 * does happen with CONFIG_DEBUG_PAGEALLOC, where a page allocation
	 * inside a lazy_mmu_mode section (such as zap_pte_range()) will change
	 * permissions on the linear map with apply_to_page_range(), which
	 * re-enters lazy_mmu_mode. So we tolerate nesting in our
	 * implementation. The first call to arch_leave_lazy_mmu_mode() will
	 * flush and clear the flag such that the remainder of the work in the
	 * outer nest behaves as if outside of lazy mmu mode. This is safe and
	 * keeps tracking simple.
	 */
	set_thread_flag(TIF_LAZY_MMU);
}

__weak void arch_flush_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;

	if (test_and_clear_thread_flag(TIF_LAZY_MMU_PENDING))
		emit_pte_barriers();
}

__weak void arch_leave_lazy_mmu_mode(void)
{
	if (in_interrupt())
		return;
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	arch_flush_lazy_mmu_mode();
	clear_thread_flag(TIF_LAZY_MMU);
}

#endif /* CONFIG_LMEMU_ARCH_ARM64 */
