/* A GFP_KERNEL allocation may sleep: not allowed inside a lazy section. */
#include <linux/mm.h>
#include <linux/gfp.h>

void misuse(void)
{
	struct page *page;

	lazy_mmu_mode_enable();
	page = alloc_page(GFP_KERNEL);
	lazy_mmu_mode_disable();
	__free_page(page);
}
