/*
 * arm64 hugetlb's get_clear_contig() for kernel huge mappings: clears
 * `ncontig` entries of `pgsize` from ptep on and returns the first.
 *
 * noinline: inlined into both branches of huge_ptep_get_and_clear(), the
 * first clear is two identical stores (same address register, same zero)
 * on two paths, and lmemu's search for the store instruction, which cannot
 * tell which branch ran, takes the first; an interrupt injected there
 * would resume on the other path.
 */
#include <linux/mm.h>

static noinline pte_t get_clear_contig(unsigned long addr, pte_t *ptep, unsigned long pgsize, unsigned long ncontig)
{
	pte_t orig_pte = ptep_get(ptep);
	unsigned long i;

	for (i = 0; i < ncontig; i++, addr += pgsize, ptep++)
		pte_clear(&init_mm, addr, ptep);
	return orig_pte;
}

pte_t huge_ptep_get_and_clear(unsigned long addr, pte_t *ptep, unsigned long sz);
