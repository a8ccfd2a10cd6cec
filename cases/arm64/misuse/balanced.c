/* The control: a GFP_NOWAIT allocation in a balanced section. */
#include <linux/mm.h>
#include <linux/gfp.h>

void misuse(void)
{
	struct page *page;

	lazy_mmu_mode_enable();
	page = alloc_page(GFP_NOWAIT);
	lazy_mmu_mode_disable();
	__free_page(page);
}
