/*
 * Follows Linux v6.16 arch/arm64/mm/pageattr.c: set_memory_valid() and
 * __kernel_map_pages() for DEBUG_PAGEALLOC, through
 * __change_memory_common() and apply_to_page_range().
 *
 * Every routine a fix may replace is __weak, so a case supplies its own
 * __kernel_map_pages() (say) and the rest stays upstream.
 */
#include <linux/mm.h>
#include <asm/tlbflush.h>

struct page_change_data {
	pgprot_t set_mask;
	pgprot_t clear_mask;
};

__weak bool can_set_direct_map(void)
{
	/* rodata_full or DEBUG_PAGEALLOC: the linear map is mapped with pages. */
	return debug_pagealloc_enabled();
}

static int change_page_range(pte_t *ptep, unsigned long addr, void *data)
{
	struct page_change_data *cdata = data;
	pte_t pte = __ptep_get(ptep);

	pte = clear_pte_bit(pte, cdata->clear_mask);
	pte = set_pte_bit(pte, cdata->set_mask);

	__set_pte(ptep, pte);
	return 0;
}

/*
 * This function assumes that the range is mapped with PAGE_SIZE pages.
 */
__weak int __change_memory_common(unsigned long start, unsigned long size,
				  pgprot_t set_mask, pgprot_t clear_mask)
{
	struct page_change_data data;
	int ret;

	data.set_mask = set_mask;
	data.clear_mask = clear_mask;

	ret = apply_to_page_range(&init_mm, start, size, change_page_range,
				  &data);

	/*
	 * If the memory is being made valid without changing any other bits
	 * then a TLBI isn't required as a non-valid entry cannot be cached in
	 * the TLB.
	 */
	if (pgprot_val(set_mask) != PTE_VALID || pgprot_val(clear_mask))
		flush_tlb_kernel_range(start, start + size);
	return ret;
}

__weak int set_memory_ro(unsigned long addr, int numpages)
{
	return __change_memory_common(addr, PAGE_SIZE * numpages,
				      __pgprot(PTE_RDONLY),
				      __pgprot(PTE_WRITE));
}

__weak int set_memory_rw(unsigned long addr, int numpages)
{
	return __change_memory_common(addr, PAGE_SIZE * numpages,
				      __pgprot(PTE_WRITE),
				      __pgprot(PTE_RDONLY));
}

__weak int set_memory_valid(unsigned long addr, int numpages, int enable)
{
	if (enable)
		return __change_memory_common(addr, PAGE_SIZE * numpages,
					      __pgprot(PTE_VALID),
					      __pgprot(0));
	else
		return __change_memory_common(addr, PAGE_SIZE * numpages,
					      __pgprot(0),
					      __pgprot(PTE_VALID));
}

__weak void __kernel_map_pages(struct page *page, int numpages, int enable)
{
	if (!can_set_direct_map())
		return;

	set_memory_valid((unsigned long)page_address(page), numpages, enable);
}
