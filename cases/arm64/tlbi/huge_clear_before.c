/*
 * huge_ptep_get_and_clear() before 49c87f767774: the size comes from the
 * entry's PTE_CONT bit, which in a non-present entry (a migration entry) is
 * just a bit of the swap offset. At the pmd level a set bit means CONT_PMDS
 * entries, so fifteen live neighbours are cleared too, and never flushed.
 */
#include "huge_clear.h"

pte_t huge_ptep_get_and_clear(unsigned long addr, pte_t *ptep, unsigned long sz)
{
	pte_t orig_pte = ptep_get(ptep);

	if (!pte_cont(orig_pte))
		return get_clear_contig(addr, ptep, sz, 1);
	/* find_num_contig(): a pmd entry here, so CONT_PMDS of PMD_SIZE */
	return get_clear_contig(addr, ptep, PMD_SIZE, CONT_PMDS);
}
