/*
 * One lazy MMU section over kernel mappings, as remap_pte_range() or a
 * vunmap-and-remap runs one: two entries cleared, a run of two mapped with
 * set_ptes(), two more cleared, then the range flushed as vunmap does. The
 * clears are what ppc64-hash and sparc64 batch (the invalidation of what
 * they held); set_ptes() of empty entries needs none. Whether set_ptes()
 * opens a section of its own is the case's variant.
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <asm/tlbflush.h>

#define NR	6

static unsigned long base = VMALLOC_START;

static pte_t *ptep(int i)
{
	return virt_to_kpte(base + i * PAGE_SIZE);
}

void scenario(void)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 3);
	unsigned long pfn;
	int i;

	BUG_ON(!pages);
	pfn = page_to_pfn(pages);
	BUG_ON(apply_to_page_range(&init_mm, base, NR * PAGE_SIZE, NULL, NULL));
	for (i = 0; i < NR; i++)
		if (i != 2 && i != 3)
			set_pte(ptep(i), pfn_pte(pfn + i, PAGE_KERNEL));

	lazy_mmu_mode_enable();
	pte_clear(&init_mm, base, ptep(0));
	pte_clear(&init_mm, base + PAGE_SIZE, ptep(1));
	set_ptes(&init_mm, base + 2 * PAGE_SIZE, ptep(2), pfn_pte(pfn + 2, PAGE_KERNEL), 2);
	pte_clear(&init_mm, base + 4 * PAGE_SIZE, ptep(4));
	pte_clear(&init_mm, base + 5 * PAGE_SIZE, ptep(5));
	lazy_mmu_mode_disable();
	flush_tlb_kernel_range(base, base + NR * PAGE_SIZE);

	for (i = 2; i < 4; i++)
		(void)READ_ONCE(*(unsigned long *)(base + i * PAGE_SIZE));
}
