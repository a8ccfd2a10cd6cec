/* huge_ptep_get_and_clear() since 49c87f767774: the caller says the size. */
#include "huge_clear.h"

pte_t huge_ptep_get_and_clear(unsigned long addr, pte_t *ptep, unsigned long sz)
{
	unsigned long ncontig = sz == CONT_PMD_SIZE ? CONT_PMDS : sz == CONT_PTE_SIZE ? CONT_PTES : 1;
	unsigned long pgsize = sz == CONT_PMD_SIZE ? PMD_SIZE : sz == CONT_PTE_SIZE ? PAGE_SIZE : sz;

	return get_clear_contig(addr, ptep, pgsize, ncontig);
}
