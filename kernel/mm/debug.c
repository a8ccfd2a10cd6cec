/* Follows Linux mm/debug.c (subset): dump_page(). */
#include <linux/mm.h>

void dump_page(const struct page *page, const char *reason)
{
	pr_warn("page:%px pfn:%lx\n", page, page_to_pfn(page));
	if (reason)
		pr_warn("page dumped because: %s\n", reason);
}
