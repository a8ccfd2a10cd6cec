/*
 * Follows Linux v6.16 arch/arm64/mm/mmu.c: the rules for changing live
 * kernel mappings and the huge-mapping helpers ioremap and vmap use; and
 * v6.18's splitting of a block-mapped linear map on demand (a166563e7ec3,
 * with ce2b3a50ad92's early exit), which the host's boot tables make
 * meaningful: they map the linear map with blocks unless force_pte_mapping().
 *
 * Every non-static function is __weak, so a case can put back the code
 * before a fix (pmd_set_huge() without the break-before-make check of
 * 15122ee2c515, say) and keep the rest.
 */
#include <linux/mm.h>
#include <linux/mutex.h>
#include <asm/cpufeature.h>
#include <asm/pgalloc.h>
#include <asm/tlbflush.h>

extern bool rodata_full;

__weak bool pgattr_change_is_safe(u64 old, u64 new)
{
	/*
	 * The following mapping attributes may be updated in live
	 * kernel mappings without the need for break-before-make.
	 */
	pteval_t mask = PTE_PXN | PTE_RDONLY | PTE_WRITE | PTE_NG |
			PTE_SWBITS_MASK;

	/* creating or taking down mappings is always safe */
	if (!pte_valid(__pte(old)) || !pte_valid(__pte(new)))
		return true;

	/* A live entry's pfn should not change */
	if (pte_pfn(__pte(old)) != pte_pfn(__pte(new)))
		return false;

	/* live contiguous mappings may not be manipulated at all */
	if ((old | new) & PTE_CONT)
		return false;

	/* Transitioning from Non-Global to Global is unsafe */
	if (old & ~new & PTE_NG)
		return false;

	/*
	 * Changing the memory type between Normal and Normal-Tagged is safe
	 * since Tagged is considered a permission attribute from the
	 * mismatched attribute aliases perspective.
	 */
	if (((old & PTE_ATTRINDX_MASK) == PTE_ATTRINDX(MT_NORMAL) ||
	     (old & PTE_ATTRINDX_MASK) == PTE_ATTRINDX(MT_NORMAL_TAGGED)) &&
	    ((new & PTE_ATTRINDX_MASK) == PTE_ATTRINDX(MT_NORMAL) ||
	     (new & PTE_ATTRINDX_MASK) == PTE_ATTRINDX(MT_NORMAL_TAGGED)))
		mask |= PTE_ATTRINDX_MASK;

	return ((old ^ new) & ~mask) == 0;
}

__weak int pud_set_huge(pud_t *pudp, phys_addr_t phys, pgprot_t prot)
{
	pud_t new_pud = pfn_pud(phys >> PAGE_SHIFT, mk_pud_sect_prot(prot));

	/* Only allow permission changes for now */
	if (!pgattr_change_is_safe(READ_ONCE(pud_val(*pudp)),
				   pud_val(new_pud)))
		return 0;

	BUG_ON(phys & ~PUD_MASK);
	set_pud(pudp, new_pud);
	return 1;
}

__weak int pmd_set_huge(pmd_t *pmdp, phys_addr_t phys, pgprot_t prot)
{
	pmd_t new_pmd = pfn_pmd(phys >> PAGE_SHIFT, mk_pmd_sect_prot(prot));

	/* Only allow permission changes for now */
	if (!pgattr_change_is_safe(READ_ONCE(pmd_val(*pmdp)),
				   pmd_val(new_pmd)))
		return 0;

	BUG_ON(phys & ~PMD_MASK);
	set_pmd(pmdp, new_pmd);
	return 1;
}

__weak int pmd_clear_huge(pmd_t *pmdp)
{
	if (!pmd_sect(READ_ONCE(*pmdp)))
		return 0;
	pmd_clear(pmdp);
	return 1;
}

__weak int pud_clear_huge(pud_t *pudp)
{
	if (!pud_sect(READ_ONCE(*pudp)))
		return 0;
	pud_clear(pudp);
	return 1;
}

__weak int pud_free_pmd_page(pud_t *pudp, unsigned long addr)
{
	pmd_t *table;
	pmd_t *pmdp;
	pud_t pud;
	unsigned long next, end;

	pud = READ_ONCE(*pudp);

	if (!pud_table(pud)) {
		VM_WARN_ON(1);
		return 1;
	}

	table = pmd_offset(pudp, addr);
	pmdp = table;
	next = addr;
	end = addr + PUD_SIZE;
	do {
		if (pmd_present(pmdp_get(pmdp)))
			pmd_free_pte_page(pmdp, next);
	} while (pmdp++, next += PMD_SIZE, next != end);

	pud_clear(pudp);
	__flush_tlb_kernel_pgtable(addr);
	pmd_free(NULL, table);
	return 1;
}

__weak int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr)
{
	pte_t *table;
	pmd_t pmd;

	pmd = READ_ONCE(*pmdp);

	if (!pmd_table(pmd)) {
		WARN_ON(1);
		return 1;
	}

	table = pte_offset_kernel(pmdp, addr);
	pmd_clear(pmdp);
	__flush_tlb_kernel_pgtable(addr);
	pte_free_kernel(NULL, table);
	return 1;
}

static void split_contpte(pte_t *ptep)
{
	int i;

	ptep = PTR_ALIGN_DOWN(ptep, sizeof(*ptep) * CONT_PTES);
	for (i = 0; i < CONT_PTES; i++, ptep++)
		__set_pte(ptep, pte_mknoncont(__ptep_get(ptep)));
}

static int split_pmd(pmd_t *pmdp, pmd_t pmd, bool to_cont)
{
	pmdval_t tableprot = PMD_TYPE_TABLE | PMD_TABLE_UXN | PMD_TABLE_AF;
	unsigned long pfn = pmd_pfn(pmd);
	pgprot_t prot = pmd_pgprot(pmd);
	phys_addr_t pte_phys;
	pte_t *ptep;
	int i;

	pte_phys = __pgtable_alloc();
	if (!pte_phys)
		return -ENOMEM;
	ptep = (pte_t *)phys_to_virt(pte_phys);

	if (pgprot_val(prot) & PMD_SECT_PXN)
		tableprot |= PMD_TABLE_PXN;

	prot = __pgprot((pgprot_val(prot) & ~PTE_TYPE_MASK) | PTE_TYPE_PAGE);
	prot = __pgprot(pgprot_val(prot) & ~PTE_CONT);
	if (to_cont)
		prot = __pgprot(pgprot_val(prot) | PTE_CONT);

	for (i = 0; i < PTRS_PER_PTE; i++, ptep++, pfn++)
		__set_pte(ptep, pfn_pte(pfn, prot));

	/*
	 * Ensure the pte entries are visible to the table walker by the time
	 * the pmd entry that points to the ptes is visible.
	 */
	dsb(ishst);
	__pmd_populate(pmdp, pte_phys, tableprot);

	return 0;
}

static void split_contpmd(pmd_t *pmdp)
{
	int i;

	pmdp = PTR_ALIGN_DOWN(pmdp, sizeof(*pmdp) * CONT_PMDS);
	for (i = 0; i < CONT_PMDS; i++, pmdp++)
		set_pmd(pmdp, pmd_mknoncont(pmdp_get(pmdp)));
}

static int split_pud(pud_t *pudp, pud_t pud, bool to_cont)
{
	pudval_t tableprot = PUD_TYPE_TABLE | PUD_TABLE_UXN | PUD_TABLE_AF;
	unsigned int step = PMD_SIZE >> PAGE_SHIFT;
	unsigned long pfn = pud_pfn(pud);
	pgprot_t prot = pud_pgprot(pud);
	phys_addr_t pmd_phys;
	pmd_t *pmdp;
	int i;

	pmd_phys = __pgtable_alloc();
	if (!pmd_phys)
		return -ENOMEM;
	pmdp = (pmd_t *)phys_to_virt(pmd_phys);

	if (pgprot_val(prot) & PMD_SECT_PXN)
		tableprot |= PUD_TABLE_PXN;

	prot = __pgprot((pgprot_val(prot) & ~PMD_TYPE_MASK) | PMD_TYPE_SECT);
	prot = __pgprot(pgprot_val(prot) & ~PTE_CONT);
	if (to_cont)
		prot = __pgprot(pgprot_val(prot) | PTE_CONT);

	for (i = 0; i < PTRS_PER_PMD; i++, pmdp++, pfn += step)
		set_pmd(pmdp, pfn_pmd(pfn, prot));

	/*
	 * Ensure the pmd entries are visible to the table walker by the time
	 * the pud entry that points to the pmds is visible.
	 */
	dsb(ishst);
	__pud_populate(pudp, pmd_phys, tableprot);

	return 0;
}

/*
 * Splits whatever leaf maps addr down to where addr is a leaf boundary:
 * pud block -> contiguous pmds -> pmds -> contiguous ptes -> ptes.
 */
__weak int split_kernel_leaf_mapping_locked(unsigned long addr)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t *ptep, pte;
	int ret = 0;

	/*
	 * PGD: If addr is PGD aligned then addr already describes a leaf
	 * boundary. If not present then there is nothing to split.
	 */
	if (ALIGN_DOWN(addr, PGDIR_SIZE) == addr)
		goto out;
	pgdp = pgd_offset_k(addr);
	pgd = pgdp_get(pgdp);
	if (!pgd_present(pgd))
		goto out;

	/*
	 * P4D: If addr is P4D aligned then addr already describes a leaf
	 * boundary. If not present then there is nothing to split.
	 */
	if (ALIGN_DOWN(addr, P4D_SIZE) == addr)
		goto out;
	p4dp = p4d_offset(pgdp, addr);
	p4d = p4dp_get(p4dp);
	if (!p4d_present(p4d))
		goto out;

	/*
	 * PUD: If addr is PUD aligned then addr already describes a leaf
	 * boundary. If not present then there is nothing to split. Otherwise,
	 * if we have a pud leaf, split to contpmd.
	 */
	if (ALIGN_DOWN(addr, PUD_SIZE) == addr)
		goto out;
	pudp = pud_offset(p4dp, addr);
	pud = pudp_get(pudp);
	if (!pud_present(pud))
		goto out;
	if (pud_leaf(pud)) {
		ret = split_pud(pudp, pud, true);
		if (ret)
			goto out;
	}

	/*
	 * CONTPMD: If addr is CONTPMD aligned then addr already describes a
	 * leaf boundary. If not present then there is nothing to split.
	 * Otherwise, if we have a contpmd leaf, split to pmd.
	 */
	if (ALIGN_DOWN(addr, CONT_PMD_SIZE) == addr)
		goto out;
	pmdp = pmd_offset(pudp, addr);
	pmd = pmdp_get(pmdp);
	if (!pmd_present(pmd))
		goto out;
	if (pmd_leaf(pmd)) {
		if (pmd_cont(pmd))
			split_contpmd(pmdp);
		/*
		 * PMD: If addr is PMD aligned then addr already describes a
		 * leaf boundary. Otherwise, split to contpte.
		 */
		if (ALIGN_DOWN(addr, PMD_SIZE) == addr)
			goto out;
		ret = split_pmd(pmdp, pmd, true);
		if (ret)
			goto out;
	}

	/*
	 * CONTPTE: If addr is CONTPTE aligned then addr already describes a
	 * leaf boundary. If not present then there is nothing to split.
	 * Otherwise, if we have a contpte leaf, split to pte.
	 */
	if (ALIGN_DOWN(addr, CONT_PTE_SIZE) == addr)
		goto out;
	ptep = pte_offset_kernel(pmdp, addr);
	pte = __ptep_get(ptep);
	if (!pte_present(pte))
		goto out;
	if (pte_cont(pte))
		split_contpte(ptep);

out:
	return ret;
}

/* Not modelled: KFENCE's late pool and Realm guests, which force pages too. */
__weak bool force_pte_mapping(void)
{
	if (debug_pagealloc_enabled())
		return true;
	if (system_supports_bbml2_noabort())
		return false;
	return rodata_full;
}

static DEFINE_MUTEX(pgtable_split_lock);

__weak int split_kernel_leaf_mapping(unsigned long start, unsigned long end)
{
	int ret;

	/*
	 * !BBML2_NOABORT systems should not be trying to change permissions on
	 * anything that is not pte-mapped in the first place. Just return early
	 * and let the permission change code raise a warning if not already
	 * pte-mapped.
	 */
	if (!system_supports_bbml2_noabort())
		return 0;

	/*
	 * If the region is within a pte-mapped area, there is no need to try to
	 * split. Additionally, CONFIG_DEBUG_PAGEALLOC and CONFIG_KFENCE may
	 * change permissions from atomic context so for those cases (which are
	 * always pte-mapped), we must not go any further because taking the
	 * mutex below may sleep.
	 */
	if (force_pte_mapping())
		return 0;

	/*
	 * Ensure start and end are at least page-aligned since this is the
	 * finest granularity we can split to.
	 */
	if (start != PAGE_ALIGN(start) || end != PAGE_ALIGN(end))
		return -EINVAL;

	mutex_lock(&pgtable_split_lock);
	lazy_mmu_mode_enable();

	ret = split_kernel_leaf_mapping_locked(start);
	if (!ret)
		ret = split_kernel_leaf_mapping_locked(end);

	lazy_mmu_mode_disable();
	mutex_unlock(&pgtable_split_lock);
	return ret;
}
