/*
 * The "alternative implementation" of the RFC: __change_memory_common()
 * walks the PTEs itself and does not bracket its updates with a lazy MMU
 * section of its own (as a page-table walker without
 * arch_enter/leave_lazy_mmu_mode would). Inside an outer lazy section the
 * valid PTE for the new page (B) is then only queued, and clear_page() runs
 * on a mapping the table walker has not been shown: "BANG! B has not been
 * actioned".
 */
#include <linux/mm.h>
#include <asm/tlbflush.h>

int __change_memory_common(unsigned long start, unsigned long size,
			   pgprot_t set_mask, pgprot_t clear_mask)
{
	unsigned long addr;

	for (addr = start; addr < start + size; addr += PAGE_SIZE) {
		pte_t *ptep = virt_to_kpte(addr);
		pte_t pte = __ptep_get(ptep);

		pte = clear_pte_bit(pte, clear_mask);
		pte = set_pte_bit(pte, set_mask);
		__set_pte(ptep, pte);
	}

	if (pgprot_val(set_mask) != PTE_VALID || pgprot_val(clear_mask))
		flush_tlb_kernel_range(start, start + size);
	return 0;
}
