/* A pte set and read back in one lazy MMU section: clean on arm64 and s390, a stale read on Xen PV. */
#include <linux/mm.h>
#include <linux/gfp.h>

void scenario(void)
{
	struct page *page = alloc_page(GFP_KERNEL);
	pte_t *ptep;

	BUG_ON(apply_to_page_range(&init_mm, VMALLOC_START, PAGE_SIZE, NULL, NULL));
	ptep = virt_to_kpte(VMALLOC_START);
	lazy_mmu_mode_enable();
	set_pte(ptep, mk_pte(page, PAGE_KERNEL));
	BUG_ON(pte_none(ptep_get(ptep)));
	lazy_mmu_mode_disable();
}
