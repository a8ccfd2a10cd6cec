/*
 * huge_ptep_set_wrprotect() since d8bdcff28764: get_clear_flush() takes the
 * whole range down and flushes it, then the read-only entries go in.
 */
#include "hugetlb.h"

void hugetlb_wrprotect(unsigned long addr)
{
	pte_t orig[CONT_PTES];
	int i;

	for (i = 0; i < CONT_PTES; i++) {
		pte_t *ptep = virt_to_kpte(addr + i * PAGE_SIZE);

		orig[i] = ptep_get(ptep);
		pte_clear(&init_mm, addr + i * PAGE_SIZE, ptep);
	}
	flush_hugetlb_tlb_range(addr, addr + CONT_PTE_SIZE, CONT_PTE_SIZE);
	for (i = 0; i < CONT_PTES; i++)
		set_pte(virt_to_kpte(addr + i * PAGE_SIZE), pte_wrprotect(orig[i]));
}
