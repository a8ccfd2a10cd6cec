/*
 * Follows Linux v6.16 mm/page_alloc.c at the points lazy MMU cares about:
 * post_alloc_hook() maps a page with debug_pagealloc_map_pages(),
 * free_pages_prepare() unmaps it. The buddy allocator itself is the host's
 * (allocator/buddy.cpp), reached by hypercall, as firmware would hand out
 * memory; everything around it runs here, in the guest.
 */
#include <linux/mm.h>

static void post_alloc_hook(struct page *page, unsigned int order, gfp_t gfp_flags)
{
	page->private = order;
	page->_refcount.counter = 1;
	debug_pagealloc_map_pages(page, 1 << order);
	if (gfp_flags & __GFP_ZERO) {
		int i;

		for (i = 0; i < (1 << order); i++)
			clear_page(page_address(page + i));
	}
}

static void free_pages_prepare(struct page *page, unsigned int order)
{
	page->_refcount.counter = 0;
	debug_pagealloc_unmap_pages(page, 1 << order);
}

__weak struct page *alloc_pages(gfp_t gfp, unsigned int order)
{
	phys_addr_t phys;
	struct page *page;

	if (gfpflags_allow_blocking(gfp))
		might_sleep();

	phys = lmemu_hvc2(LMEMU_HVC_ALLOC_PAGES, order, gfp);
	if (!phys)
		return NULL;

	page = phys_to_page(phys);
	post_alloc_hook(page, order, gfp);
	return page;
}

__weak void __free_pages(struct page *page, unsigned int order)
{
	free_pages_prepare(page, order);
	lmemu_hvc2(LMEMU_HVC_FREE_PAGES, page_to_phys(page), order);
}

unsigned long __get_free_pages(gfp_t gfp_mask, unsigned int order)
{
	struct page *page = alloc_pages(gfp_mask, order);

	return page ? (unsigned long)page_address(page) : 0;
}

unsigned long get_zeroed_page(gfp_t gfp_mask)
{
	return __get_free_page(gfp_mask | __GFP_ZERO);
}

void free_pages(unsigned long addr, unsigned int order)
{
	if (addr != 0)
		__free_pages(virt_to_page((void *)addr), order);
}
