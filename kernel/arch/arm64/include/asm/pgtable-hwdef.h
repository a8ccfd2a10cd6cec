/* Follows Linux v6.16 arch/arm64/include/asm/pgtable-hwdef.h (4K granule, 48-bit VA). */
#ifndef __ASM_PGTABLE_HWDEF_H
#define __ASM_PGTABLE_HWDEF_H

#define PTRS_PER_PTE		512
#define PTRS_PER_PMD		512
#define PTRS_PER_PUD		512
#define PTRS_PER_PGD		512
#define PTRS_PER_P4D		1

#define PMD_SHIFT		21
#define PMD_SIZE		(1UL << PMD_SHIFT)
#define PMD_MASK		(~(PMD_SIZE - 1))
#define PUD_SHIFT		30
#define PUD_SIZE		(1UL << PUD_SHIFT)
#define PUD_MASK		(~(PUD_SIZE - 1))
#define PGDIR_SHIFT		39
#define PGDIR_SIZE		(1UL << PGDIR_SHIFT)
#define PGDIR_MASK		(~(PGDIR_SIZE - 1))
#define P4D_SHIFT		PGDIR_SHIFT
#define P4D_SIZE		PGDIR_SIZE
#define P4D_MASK		PGDIR_MASK

#define PMD_TYPE_MASK		(3UL << 0)
#define PMD_TYPE_TABLE		(3UL << 0)
#define PMD_TYPE_SECT		(1UL << 0)
#define PUD_TYPE_TABLE		(3UL << 0)
#define P4D_TYPE_TABLE		(3UL << 0)
#define PMD_TABLE_AF		(1UL << 10)
#define PUD_TABLE_AF		(1UL << 10)
#define P4D_TABLE_AF		(1UL << 10)
/* Hierarchical restrictions in table descriptors: PXNTable, UXNTable. */
#define PMD_TABLE_PXN		(1UL << 59)
#define PMD_TABLE_UXN		(1UL << 60)
#define PUD_TABLE_PXN		(1UL << 59)
#define PUD_TABLE_UXN		(1UL << 60)

#define PTE_VALID		(1UL << 0)
#define PTE_TYPE_MASK		(3UL << 0)
#define PTE_TYPE_PAGE		(3UL << 0)
#define PTE_TABLE_BIT		(1UL << 1)
#define PTE_USER		(1UL << 6)		/* AP[1] */
#define PTE_RDONLY		(1UL << 7)		/* AP[2] */
#define PTE_SHARED		(3UL << 8)		/* SH[1:0], inner shareable */
#define PTE_AF			(1UL << 10)		/* Access Flag */
#define PTE_NG			(1UL << 11)		/* nG */
#define PTE_GP			(1UL << 50)		/* BTI guarded */
#define PTE_DBM			(1UL << 51)		/* Dirty Bit Management */
#define PTE_CONT		(1UL << 52)		/* Contiguous range */
#define PTE_PXN			(1UL << 53)		/* Privileged XN */
#define PTE_UXN			(1UL << 54)		/* User XN */

#define PTE_ADDR_LOW		(((1UL << (48 - PAGE_SHIFT)) - 1) << PAGE_SHIFT)
#define PTE_ADDR_MASK		PTE_ADDR_LOW

#define PTE_ATTRINDX(t)		((t) << 2)
#define PTE_ATTRINDX_MASK	(7 << 2)
#define PTE_SWBITS_MASK		(0xfUL << 55)
#define PTE_DIRTY		(1UL << 55)		/* software: dirty (pgtable-prot.h) */

/* Section (block) descriptors at the pmd and pud levels. */
#define PMD_TABLE_BIT		(1UL << 1)
#define PMD_SECT_VALID		(1UL << 0)
#define PMD_SECT_USER		(1UL << 6)		/* AP[1] */
#define PMD_SECT_RDONLY		(1UL << 7)		/* AP[2] */
#define PMD_SECT_S		(3UL << 8)
#define PMD_SECT_AF		(1UL << 10)
#define PMD_SECT_NG		(1UL << 11)
#define PMD_SECT_CONT		(1UL << 52)
#define PMD_SECT_PXN		(1UL << 53)
#define PMD_SECT_UXN		(1UL << 54)
#define PMD_ATTRINDX(t)		((t) << 2)
#define PUD_TYPE_SECT		(1UL << 0)

/* Contiguous ranges (4K granule): 16 entries at the pte and pmd levels. */
#define CONT_PTE_SHIFT		(4 + PAGE_SHIFT)
#define CONT_PTES		16
#define CONT_PTE_SIZE		(CONT_PTES * PAGE_SIZE)
#define CONT_PTE_MASK		(~(CONT_PTE_SIZE - 1))
#define CONT_PMD_SHIFT		(4 + PMD_SHIFT)
#define CONT_PMDS		16
#define CONT_PMD_SIZE		(CONT_PMDS * PMD_SIZE)
#define CONT_PMD_MASK		(~(CONT_PMD_SIZE - 1))

#endif
