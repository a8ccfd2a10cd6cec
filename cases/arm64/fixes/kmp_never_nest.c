/*
 * Ryan Roberts' "never nest" approach from the RFC: if the caller is in lazy
 * MMU mode, leave it around set_memory_valid() and enter it again after, so
 * the inner section is never nested.
 */
#include <linux/mm.h>

void __kernel_map_pages(struct page *page, int numpages, int enable)
{
	bool lazy_mmu = test_thread_flag(TIF_LAZY_MMU);

	if (!can_set_direct_map())
		return;

	if (lazy_mmu)
		arch_leave_lazy_mmu_mode();

	set_memory_valid((unsigned long)page_address(page), numpages, enable);

	if (lazy_mmu)
		arch_enter_lazy_mmu_mode();
}
