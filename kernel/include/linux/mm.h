/* Follows Linux include/linux/mm.h (subset). */
#ifndef _LINUX_MM_H
#define _LINUX_MM_H

#include <linux/kernel.h>
#include <linux/mm_types.h>
#include <linux/gfp.h>
#include <linux/pgtable.h>
#include <asm/page.h>
#include <asm/set_memory.h>

#define PAGE_ALIGN(addr)	ALIGN(addr, PAGE_SIZE)
#define page_address(page)	page_to_virt(page)
#define lowmem_page_address(page) page_to_virt(page)

typedef int (*pte_fn_t)(pte_t *pte, unsigned long addr, void *data);
int apply_to_page_range(struct mm_struct *mm, unsigned long address,
			unsigned long size, pte_fn_t fn, void *data);
int apply_to_existing_page_range(struct mm_struct *mm, unsigned long address,
				 unsigned long size, pte_fn_t fn, void *data);

pte_t *pte_alloc_kernel_track(pmd_t *pmd, unsigned long addr, pgtbl_mod_mask *mask);
pmd_t *pmd_alloc_track(struct mm_struct *mm, pud_t *pud, unsigned long addr, pgtbl_mod_mask *mask);
pud_t *pud_alloc_track(struct mm_struct *mm, p4d_t *p4d, unsigned long addr, pgtbl_mod_mask *mask);

#ifdef CONFIG_DEBUG_PAGEALLOC
#define debug_pagealloc_enabled()	1
#else
#define debug_pagealloc_enabled()	0
#endif

void __kernel_map_pages(struct page *page, int numpages, int enable);
/* User mappings (mm/mmap.c). */
int lmemu_vm_mmap_populate(struct mm_struct *mm, unsigned long addr, unsigned long len);
/* The PTE mapping addr in mm (its tables allocated if need be), with its lock held. */
pte_t *get_locked_pte(struct mm_struct *mm, unsigned long addr, spinlock_t **ptl);
#define pte_unmap_unlock(pte, ptl)	spin_unlock(ptl)
void exit_mmap(struct mm_struct *mm);
void dump_page(const struct page *page, const char *reason);

/* Whether a pfn has a struct page: the page-table pool and RAM. */
static inline int pfn_valid(unsigned long pfn)
{
	return pfn >= (LMEMU_PHYS_OFFSET >> PAGE_SHIFT) && pfn < (LMEMU_PHYS_END >> PAGE_SHIFT);
}

static inline p4d_t *p4d_alloc_track(struct mm_struct *mm, pgd_t *pgd, unsigned long address,
				     pgtbl_mod_mask *mod_mask)
{
	return p4d_offset(pgd, address);	/* folded: the pgd entry itself */
}

static inline void debug_pagealloc_map_pages(struct page *page, int numpages)
{
	if (debug_pagealloc_enabled())
		__kernel_map_pages(page, numpages, 1);
}

static inline void debug_pagealloc_unmap_pages(struct page *page, int numpages)
{
	if (debug_pagealloc_enabled())
		__kernel_map_pages(page, numpages, 0);
}

#endif
