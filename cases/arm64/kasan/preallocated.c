/* The fix: allocate the pages first, then only install them in the callback. */
#include "populate.h"

struct populate_data {
	struct page *pages[SHADOW_PAGES];
	int next;
};

static int populate_pte(pte_t *ptep, unsigned long addr, void *data)
{
	struct populate_data *d = data;

	set_pte(ptep, mk_pte(d->pages[d->next++], PAGE_KERNEL));
	return 0;
}

int populate_shadow(void)
{
	struct populate_data d = { .next = 0 };
	int i;

	for (i = 0; i < SHADOW_PAGES; i++) {
		d.pages[i] = alloc_page(GFP_KERNEL);
		if (!d.pages[i])
			return -ENOMEM;
	}
	return apply_to_page_range(&init_mm, SHADOW_START, SHADOW_PAGES * PAGE_SIZE, populate_pte, &d);
}
