/*
 * Follows Linux v6.16 mm/memory.c: apply_to_page_range() and the table
 * allocation helpers it needs (kernel mm only).
 *
 * Differs from Linux: the PTE loop brackets itself with
 * lazy_mmu_mode_enable()/disable(), the v7.0 names, which are the arch hooks
 * themselves under the v6.x policies (see linux/pgtable.h). As in Linux, no
 * lock is held for kernel (init_mm) ranges, so the lazy section is
 * preemptible (691ee97e1a9d made that part of the contract).
 */
#include <linux/mm.h>

int __pte_alloc_kernel(pmd_t *pmd)
{
	pte_t *new = pte_alloc_one_kernel(&init_mm);
	if (!new)
		return -ENOMEM;

	if (likely(pmd_none(*pmd)))	/* Has another populated it ? */
		pmd_populate_kernel(&init_mm, pmd, new);
	else
		pte_free_kernel(&init_mm, new);
	return 0;
}

pte_t *pte_alloc_kernel_track(pmd_t *pmd, unsigned long addr, pgtbl_mod_mask *mask)
{
	if (unlikely(pmd_none(*pmd))) {
		if (__pte_alloc_kernel(pmd))
			return NULL;
		*mask |= PGTBL_PMD_MODIFIED;
	}
	return pte_offset_kernel(pmd, addr);
}

pmd_t *pmd_alloc_track(struct mm_struct *mm, pud_t *pud, unsigned long addr, pgtbl_mod_mask *mask)
{
	if (unlikely(pud_none(*pud))) {
		pmd_t *new = pmd_alloc_one(mm, addr);
		if (!new)
			return NULL;
		pud_populate(mm, pud, new);
		*mask |= PGTBL_PUD_MODIFIED;
	}
	return pmd_offset(pud, addr);
}

pud_t *pud_alloc_track(struct mm_struct *mm, p4d_t *p4d, unsigned long addr, pgtbl_mod_mask *mask)
{
	if (unlikely(p4d_none(*p4d))) {
		pud_t *new = pud_alloc_one(mm, addr);
		if (!new)
			return NULL;
		p4d_populate(mm, p4d, new);
		*mask |= PGTBL_P4D_MODIFIED;
	}
	return pud_offset(p4d, addr);
}

static int apply_to_pte_range(struct mm_struct *mm, pmd_t *pmd,
			      unsigned long addr, unsigned long end,
			      pte_fn_t fn, void *data, bool create,
			      pgtbl_mod_mask *mask)
{
	pte_t *pte;
	int err = 0;

	if (create) {
		pte = pte_alloc_kernel_track(pmd, addr, mask);
		if (!pte)
			return -ENOMEM;
	} else {
		pte = pte_offset_kernel(pmd, addr);
	}

	lazy_mmu_mode_enable();

	if (fn) {
		do {
			if (create || !pte_none(ptep_get(pte))) {
				err = fn(pte, addr, data);
				if (err)
					break;
			}
		} while (pte++, addr += PAGE_SIZE, addr != end);
	}
	*mask |= PGTBL_PTE_MODIFIED;

	lazy_mmu_mode_disable();

	return err;
}

static int apply_to_pmd_range(struct mm_struct *mm, pud_t *pud,
			      unsigned long addr, unsigned long end,
			      pte_fn_t fn, void *data, bool create,
			      pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;
	int err = 0;

	BUG_ON(pud_leaf(*pud));

	if (create) {
		pmd = pmd_alloc_track(mm, pud, addr, mask);
		if (!pmd)
			return -ENOMEM;
	} else {
		pmd = pmd_offset(pud, addr);
	}
	do {
		next = pmd_addr_end(addr, end);
		if (pmd_none(*pmd) && !create)
			continue;
		if (WARN_ON_ONCE(pmd_leaf(*pmd)))
			return -EINVAL;
		err = apply_to_pte_range(mm, pmd, addr, next, fn, data, create, mask);
		if (err)
			break;
	} while (pmd++, addr = next, addr != end);

	return err;
}

static int apply_to_pud_range(struct mm_struct *mm, p4d_t *p4d,
			      unsigned long addr, unsigned long end,
			      pte_fn_t fn, void *data, bool create,
			      pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;
	int err = 0;

	if (create) {
		pud = pud_alloc_track(mm, p4d, addr, mask);
		if (!pud)
			return -ENOMEM;
	} else {
		pud = pud_offset(p4d, addr);
	}
	do {
		next = pud_addr_end(addr, end);
		if (pud_none(*pud) && !create)
			continue;
		if (WARN_ON_ONCE(pud_leaf(*pud)))
			return -EINVAL;
		err = apply_to_pmd_range(mm, pud, addr, next, fn, data, create, mask);
		if (err)
			break;
	} while (pud++, addr = next, addr != end);

	return err;
}

static int __apply_to_page_range(struct mm_struct *mm, unsigned long addr,
				 unsigned long size, pte_fn_t fn,
				 void *data, bool create)
{
	pgd_t *pgd;
	unsigned long start = addr, next;
	unsigned long end = addr + size;
	pgtbl_mod_mask mask = 0;
	int err = 0;

	if (WARN_ON(addr >= end))
		return -EINVAL;

	pgd = pgd_offset(mm, addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_none(*pgd) && !create)
			continue;
		err = apply_to_pud_range(mm, p4d_offset(pgd, addr), addr, next,
					 fn, data, create, &mask);
		if (err)
			break;
	} while (pgd++, addr = next, addr != end);

	(void)start;
	return err;
}

/*
 * Scan a region of virtual memory, filling in page tables as necessary
 * and calling a provided function on each leaf page table.
 */
__weak int apply_to_page_range(struct mm_struct *mm, unsigned long addr,
			       unsigned long size, pte_fn_t fn, void *data)
{
	return __apply_to_page_range(mm, addr, size, fn, data, true);
}

/*
 * Scan a region of virtual memory, calling a provided function on
 * each leaf page table where it exists.
 */
int apply_to_existing_page_range(struct mm_struct *mm, unsigned long addr,
				 unsigned long size, pte_fn_t fn, void *data)
{
	return __apply_to_page_range(mm, addr, size, fn, data, false);
}
