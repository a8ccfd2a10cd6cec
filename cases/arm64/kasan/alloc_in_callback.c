/* Before the fix: each PTE callback allocates its page, inside the lazy section. */
#include "populate.h"

static int populate_pte(pte_t *ptep, unsigned long addr, void *unused)
{
	struct page *page = alloc_page(GFP_KERNEL);

	if (!page)
		return -ENOMEM;
	set_pte(ptep, mk_pte(page, PAGE_KERNEL));
	return 0;
}

int populate_shadow(void)
{
	return apply_to_page_range(&init_mm, SHADOW_START, SHADOW_PAGES * PAGE_SIZE, populate_pte, NULL);
}
