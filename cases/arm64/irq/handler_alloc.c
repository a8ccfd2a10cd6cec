/*
 * A softirq that allocates a zeroed page under DEBUG_PAGEALLOC:
 * __kernel_map_pages() maps it through apply_to_page_range(), whose PTE
 * loop has a lazy section of its own, then clear_page() writes it.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

void softirq_handler(void)
{
	struct page *page = alloc_page(GFP_ATOMIC | __GFP_ZERO);

	BUG_ON(!page);
	__free_page(page);
}
