/*
 * Follows Linux v6.16 arch/arm64/include/asm/pgalloc.h and
 * include/asm-generic/pgalloc.h (kernel tables, and user tables as kernel ones). Page-table frames come
 * from the lmemu page-table pool, the only memory whose stores the host
 * watches, instead of the buddy allocator.
 */
#ifndef __ASM_PGALLOC_H
#define __ASM_PGALLOC_H

#include <asm/pgtable.h>
#include <lmemu/hypercall.h>

static inline phys_addr_t __pgtable_alloc(void)
{
	return lmemu_hvc0(LMEMU_HVC_ALLOC_PGTABLE);
}

static inline pte_t *pte_alloc_one_kernel(struct mm_struct *mm)
{
	phys_addr_t phys = __pgtable_alloc();
	return phys ? (pte_t *)__va(phys) : NULL;
}

static inline pmd_t *pmd_alloc_one(struct mm_struct *mm, unsigned long addr)
{
	phys_addr_t phys = __pgtable_alloc();
	return phys ? (pmd_t *)__va(phys) : NULL;
}

static inline pud_t *pud_alloc_one(struct mm_struct *mm, unsigned long addr)
{
	phys_addr_t phys = __pgtable_alloc();
	return phys ? (pud_t *)__va(phys) : NULL;
}

static inline void pte_free_kernel(struct mm_struct *mm, pte_t *pte)
{
	lmemu_hvc1(LMEMU_HVC_FREE_PGTABLE, __pa(pte));
}

static inline void pmd_free(struct mm_struct *mm, pmd_t *pmd)
{
	lmemu_hvc1(LMEMU_HVC_FREE_PGTABLE, __pa(pmd));
}

static inline void pud_free(struct mm_struct *mm, pud_t *pud)
{
	lmemu_hvc1(LMEMU_HVC_FREE_PGTABLE, __pa(pud));
}

/* A user address space's top level (arch/arm64/mm/pgd.c, __weak). */
pgd_t *pgd_alloc(struct mm_struct *mm);
void pgd_free(struct mm_struct *mm, pgd_t *pgd);

static inline void pmd_populate_kernel(struct mm_struct *mm, pmd_t *pmdp, pte_t *ptep)
{
	__pmd_populate(pmdp, __pa(ptep), PMD_TYPE_TABLE | PMD_TABLE_AF);
}

static inline void pud_populate(struct mm_struct *mm, pud_t *pudp, pmd_t *pmdp)
{
	__pud_populate(pudp, __pa(pmdp), PUD_TYPE_TABLE | PUD_TABLE_AF);
}

static inline void p4d_populate(struct mm_struct *mm, p4d_t *p4dp, pud_t *pudp)
{
	__p4d_populate(p4dp, __pa(pudp), P4D_TYPE_TABLE | P4D_TABLE_AF);
}

#endif
