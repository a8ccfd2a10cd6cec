/*
 * huge_ptep_set_wrprotect() for a contiguous huge page before
 * d8bdcff28764 ("arm64: hugetlb: Add break-before-make logic for contiguous
 * entries"): each of the 16 entries is made read-only in place, so while it
 * runs the range's valid entries disagree.
 */
#include "hugetlb.h"

void hugetlb_wrprotect(unsigned long addr)
{
	int i;

	for (i = 0; i < CONT_PTES; i++, addr += PAGE_SIZE) {
		pte_t *ptep = virt_to_kpte(addr);

		set_pte(ptep, pte_wrprotect(ptep_get(ptep)));
	}
}
