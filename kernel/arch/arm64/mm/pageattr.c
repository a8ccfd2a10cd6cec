/*
 * Follows Linux v6.16 arch/arm64/mm/pageattr.c: set_memory_valid() and
 * __kernel_map_pages() for DEBUG_PAGEALLOC, through
 * __change_memory_common() and apply_to_page_range(); with v6.18's
 * update_range_prot(), which first splits a block or contiguous linear
 * mapping around the range where BBML2 allows (arch/arm64/mm/mmu.c). On a
 * pte-mapped linear map (DEBUG_PAGEALLOC, rodata=full without BBML2) that
 * split does nothing, so those runs are v6.16's exactly. One difference
 * from v6.18: the range is changed by apply_to_page_range(), which warns at
 * a block it meets, where v6.18's page walk changes a block the range
 * covers whole in place.
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

#ifdef CONFIG_RODATA_FULL_DEFAULT_ENABLED
bool rodata_full = true;
#else
bool rodata_full = false;
#endif

__weak bool can_set_direct_map(void)
{
	/*
	 * rodata_full and DEBUG_PAGEALLOC require the linear map to be mapped
	 * at page granularity, so that it is possible to protect/unprotect
	 * single pages.
	 */
	return rodata_full || debug_pagealloc_enabled();
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

static int update_range_prot(unsigned long start, unsigned long size,
			     pgprot_t set_mask, pgprot_t clear_mask)
{
	struct page_change_data data;
	int ret;

	data.set_mask = set_mask;
	data.clear_mask = clear_mask;

	ret = split_kernel_leaf_mapping(start, start + size);
	if (WARN_ON_ONCE(ret))
		return ret;

	/*
	 * The caller must ensure that the range we are operating on does not
	 * partially overlap a block mapping, or a cont mapping. Any such case
	 * must be eliminated by splitting the mapping.
	 */
	return apply_to_page_range(&init_mm, start, size, change_page_range,
				   &data);
}

__weak int __change_memory_common(unsigned long start, unsigned long size,
				  pgprot_t set_mask, pgprot_t clear_mask)
{
	int ret;

	ret = update_range_prot(start, size, set_mask, clear_mask);

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

__weak int set_memory_nx(unsigned long addr, int numpages)
{
	return __change_memory_common(addr, PAGE_SIZE * numpages,
				      __pgprot(PTE_PXN),
				      __pgprot(PTE_MAYBE_GP));
}

__weak int set_memory_x(unsigned long addr, int numpages)
{
	return __change_memory_common(addr, PAGE_SIZE * numpages,
				      __pgprot(PTE_MAYBE_GP),
				      __pgprot(PTE_PXN));
}

__weak int set_memory_rox(unsigned long addr, int numpages)
{
	int ret = set_memory_ro(addr, numpages);

	if (ret)
		return ret;
	return set_memory_x(addr, numpages);
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

/* The linear-map alias of one page, for secretmem and execmem: no TLB flush, the caller does it. */
__weak int set_direct_map_invalid_noflush(struct page *page)
{
	if (!can_set_direct_map())
		return 0;

	return update_range_prot((unsigned long)page_address(page), PAGE_SIZE,
				 __pgprot(0), __pgprot(PTE_VALID));
}

__weak int set_direct_map_default_noflush(struct page *page)
{
	if (!can_set_direct_map())
		return 0;

	return update_range_prot((unsigned long)page_address(page), PAGE_SIZE,
				 __pgprot(PTE_VALID | PTE_WRITE),
				 __pgprot(PTE_RDONLY));
}

/* Whether the linear map maps the page now (hibernation asks it), blocks included. */
__weak bool kernel_page_present(struct page *page)
{
	unsigned long addr = (unsigned long)page_address(page);
	pgd_t *pgdp = pgd_offset_k(addr);
	p4d_t *p4dp;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;

	if (pgd_none(READ_ONCE(*pgdp)))
		return false;
	p4dp = p4d_offset(pgdp, addr);
	if (p4d_none(READ_ONCE(*p4dp)))
		return false;
	pudp = pud_offset(p4dp, addr);
	pud = READ_ONCE(*pudp);
	if (pud_none(pud))
		return false;
	if (pud_sect(pud))
		return true;
	pmdp = pmd_offset(pudp, addr);
	pmd = READ_ONCE(*pmdp);
	if (pmd_none(pmd))
		return false;
	if (pmd_sect(pmd))
		return true;
	return pte_valid(__ptep_get(pte_offset_kernel(pmdp, addr)));
}
