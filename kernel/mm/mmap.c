/*
 * User mappings, in outline of Linux v6.16 mm/mmap.c and mm/memory.c: a
 * scenario fills a user address space with anonymous pages
 * (lmemu_vm_mmap_populate(), lmemu's stand-in for vm_mmap() with
 * MAP_POPULATE: no VMAs, no faults), and exit_mmap() tears everything down at
 * the last mmput(): the pages and their rss counter, then the page tables
 * and pgtables_bytes. What check_mm() reads at __mmdrop() is what these
 * leave behind.
 *
 * CPUs translate through these tables once switch_mm() loads them, tagging
 * what they cache with the mm's ASID; exit_mmap() ends with
 * tlb_finish_mmu()'s flush_tlb_mm().
 *
 * Differs from Linux: there is no user page-fault handler. Linux sets user
 * PTEs with no DSB and lets a CPU that faults on one before it is visible
 * find it present and retry (a spurious fault); lmemu would report that
 * fault, so lmemu_vm_mmap_populate() publishes its entries with a DSB and
 * an ISB, as __set_pte() does for kernel entries.
 */
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <asm/pgalloc.h>
#include <asm/tlbflush.h>

static void mm_inc_nr_table(struct mm_struct *mm)
{
	atomic_long_add(PAGE_SIZE, &mm->pgtables_bytes);
}

static void mm_dec_nr_table(struct mm_struct *mm)
{
	atomic_long_sub(PAGE_SIZE, &mm->pgtables_bytes);
}

static pte_t *user_pte_alloc(struct mm_struct *mm, unsigned long addr)
{
	p4d_t *p4d = p4d_offset(pgd_offset(mm, addr), addr);
	pud_t *pud;
	pmd_t *pmd;

	if (p4d_none(READ_ONCE(*p4d))) {
		pud_t *new = pud_alloc_one(mm, addr);

		if (!new)
			return NULL;
		mm_inc_nr_table(mm);	/* mm_inc_nr_puds() */
		p4d_populate(mm, p4d, new);
	}
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud))) {
		pmd_t *new = pmd_alloc_one(mm, addr);

		if (!new)
			return NULL;
		mm_inc_nr_table(mm);	/* mm_inc_nr_pmds() */
		pud_populate(mm, pud, new);
	}
	pmd = pmd_offset(pud, addr);
	if (pmd_none(READ_ONCE(*pmd))) {
		pte_t *new = pte_alloc_one_kernel(mm);

		if (!new)
			return NULL;
		mm_inc_nr_table(mm);	/* mm_inc_nr_ptes() */
		pmd_populate_kernel(mm, pmd, new);
	}
	return pte_offset_kernel(pmd, addr);
}

/*
 * Maps [addr, addr + len) of mm to fresh anonymous pages, as a populated
 * MAP_ANONYMOUS mmap() would: tables are allocated as __pte_alloc() and
 * friends do (under the mmap lock, which a scenario's single populating
 * thread stands for), each PTE set under the page table lock.
 */
int lmemu_vm_mmap_populate(struct mm_struct *mm, unsigned long addr, unsigned long len)
{
	unsigned long end = addr + len;

	might_sleep();
	if ((addr | len) & ~PAGE_MASK || !len || end > TASK_SIZE || end < addr)
		return -EINVAL;
	mm->map_count++;
	for (; addr < end; addr += PAGE_SIZE) {
		unsigned long page = __get_free_page(GFP_KERNEL | __GFP_ZERO);
		pte_t *pte = page ? user_pte_alloc(mm, addr) : NULL;

		if (!pte) {
			if (page)
				free_page(page);
			return -ENOMEM;
		}
		spin_lock(&mm->page_table_lock);
		if (pte_none(ptep_get(pte))) {
			/* do_anonymous_page() of a write fault: dirty, so writable without a fault */
			set_pte_at(mm, addr, pte, pte_mkdirty(pfn_pte(__pa(page) >> PAGE_SHIFT, PAGE_SHARED)));
			atomic_long_inc(&mm->rss_stat[MM_ANONPAGES]);	/* inc_mm_counter() */
			page = 0;
		}
		spin_unlock(&mm->page_table_lock);
		if (page)
			free_page(page);
	}
	dsb(ishst);
	isb();
	return 0;
}

/* mm/memory.c's, with the mm's page_table_lock as the PTE lock (no split PTE locks). */
pte_t *get_locked_pte(struct mm_struct *mm, unsigned long addr, spinlock_t **ptl)
{
	pte_t *pte = user_pte_alloc(mm, addr);

	if (pte) {
		*ptl = &mm->page_table_lock;
		spin_lock(*ptl);
	}
	return pte;
}

static void zap_pte_table(struct mm_struct *mm, pte_t *table, unsigned long addr)
{
	int i;

	for (i = 0; i < PTRS_PER_PTE; i++, addr += PAGE_SIZE) {
		pte_t pte = ptep_get_and_clear(mm, addr, &table[i]);

		if (pte_none(pte))
			continue;
		free_page((unsigned long)__va(__pte_to_phys(pte)));
		atomic_long_dec(&mm->rss_stat[MM_ANONPAGES]);
	}
	pte_free_kernel(mm, table);
	mm_dec_nr_table(mm);
}

/* unmap_vmas() and free_pgtables() over the whole user range, at the last mmput(). */
void exit_mmap(struct mm_struct *mm)
{
	unsigned long addr;

	if (!mm->map_count)
		return;	/* no VMA: nothing was ever mapped */
	for (addr = 0; addr < TASK_SIZE; addr += PGDIR_SIZE) {
		p4d_t *p4d = p4d_offset(pgd_offset(mm, addr), addr);
		pud_t *pud;
		int i;

		if (p4d_none(READ_ONCE(*p4d)))
			continue;
		pud = pud_offset(p4d, addr);
		for (i = 0; i < PTRS_PER_PUD; i++) {
			unsigned long pud_addr = addr + i * PUD_SIZE;
			pmd_t *pmd;
			int j;

			if (pud_none(READ_ONCE(pud[i])))
				continue;
			pmd = pmd_offset(&pud[i], pud_addr);
			for (j = 0; j < PTRS_PER_PMD; j++) {
				if (pmd_none(READ_ONCE(pmd[j])))
					continue;
				zap_pte_table(mm, pte_offset_kernel(&pmd[j], pud_addr + j * PMD_SIZE), pud_addr + j * PMD_SIZE);
				pmd_clear(&pmd[j]);
			}
			pmd_free(mm, pmd);
			mm_dec_nr_table(mm);
			pud_clear(&pud[i]);
		}
		pud_free(mm, pud);
		mm_dec_nr_table(mm);
		p4d_clear(p4d);
	}
	flush_tlb_mm(mm);	/* tlb_finish_mmu() of a fullmm gather */
}
