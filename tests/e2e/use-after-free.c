/* A bare scenario (no case file): `lmemu run use-after-free.c`. */
#include <linux/mm.h>

void scenario(void)
{
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned long *addr = page_address(page);

	clear_page(addr);
	__free_pages(page, 0);
	pr_info("stale read: %lx\n", READ_ONCE(*addr));
}
