/* 520 page-table stores; an interrupt after any of the last few warns. A
 * sweep that stopped at 500 points never saw them. */
#include <linux/mm.h>
#include <linux/gfp.h>

static int stores_done;

void handler(void)
{
	WARN_ON(stores_done > 510);
}

void scenario(void)
{
	unsigned long va = VMALLOC_START;
	unsigned long pfn = page_to_pfn(alloc_pages(GFP_KERNEL, 0));

	BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
	for (stores_done = 0; stores_done < 520; stores_done++)
		set_pte(virt_to_kpte(va), pfn_pte(pfn, (stores_done & 1) ? PAGE_KERNEL_RO : PAGE_KERNEL));
}
