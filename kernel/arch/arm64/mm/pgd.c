/*
 * Follows Linux v6.16 arch/arm64/mm/pgd.c: a user address space's top level
 * (TTBR0's), empty, since kernel mappings are TTBR1's; no lock is taken.
 * __weak, so a case can put another architecture's in its place (x86's
 * takes pgd_lock).
 */
#include <linux/mm.h>
#include <asm/pgalloc.h>

__weak pgd_t *pgd_alloc(struct mm_struct *mm)
{
	phys_addr_t phys = __pgtable_alloc();

	return phys ? (pgd_t *)__va(phys) : NULL;
}

__weak void pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	lmemu_hvc1(LMEMU_HVC_FREE_PGTABLE, __pa(pgd));
}
