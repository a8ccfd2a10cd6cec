/*
 * Mike Rapoport's suggestion in the RFC thread (adopted for v6.16): keep
 * TIF_LAZY_MMU across set_memory_valid(), so the inner leave flushes A and B
 * but the outer section stays lazy and C is still deferred.
 */
#include <linux/mm.h>

void __kernel_map_pages(struct page *page, int numpages, int enable)
{
	unsigned long flags;
	bool lazy_mmu = false;

	if (!can_set_direct_map())
		return;

	flags = read_thread_flags();
	if (flags & BIT(TIF_LAZY_MMU))
		lazy_mmu = true;

	set_memory_valid((unsigned long)page_address(page), numpages, enable);

	if (lazy_mmu)
		set_thread_flag(TIF_LAZY_MMU);
}
