/*
 * DEBUG_PAGEALLOC's __kernel_map_pages() in x86's shape (arch/x86/mm/
 * pageattr.c): __set_pages_p()/__set_pages_np() change the linear map's
 * PTEs through change_page_attr_set_clr(), which looks each entry up, reads
 * it and sets it, with no lazy MMU section of its own (arm64's opens one
 * in apply_to_page_range(), which Xen's enter would BUG on inside the
 * caller's section). Whether CPA flushes lazy MMU mode first and last
 * (4f06b0436b2d) is the variant: cpa_flush_lazy_mmu().
 */
#include <linux/mm.h>
#include <asm/tlbflush.h>

void cpa_flush_lazy_mmu(void);

void __kernel_map_pages(struct page *page, int numpages, int enable)
{
	unsigned long addr = (unsigned long)page_address(page);
	int i;

	/*
	 * If we're called with lazy mmu updates enabled, the in-memory pte
	 * state may be stale: flush pending updates to bring it up to date.
	 */
	cpa_flush_lazy_mmu();
	for (i = 0; i < numpages; i++) {
		pte_t *ptep = virt_to_kpte(addr + i * PAGE_SIZE);	/* lookup_address() */
		pte_t old = ptep_get(ptep);
		pte_t new = enable ? pte_mkvalid(old) : pte_mkinvalid(old);

		if (pte_val(new) != pte_val(old))
			set_pte(ptep, new);
	}
	/* x86: __flush_tlb_all(), this CPU only; here the range, broadcast. */
	flush_tlb_kernel_range(addr, addr + numpages * PAGE_SIZE);
	cpa_flush_lazy_mmu();
}
