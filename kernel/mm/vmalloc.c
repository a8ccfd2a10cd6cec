/*
 * Follows Linux v6.16 mm/vmalloc.c: vmalloc(), vfree(), vmap(), vunmap(),
 * ioremap_page_range(), get_vm_area(), find_vm_area(), vmalloc_to_page().
 *
 * vmap_range_noflush() (ioremap, with its huge pmd/pud mappings) and
 * vunmap_range_noflush() are Linux's, level by level; vmap() of pages maps a
 * PTE per page inside a lazy MMU section as vmap_pages_pte_range() does
 * (through apply_to_page_range() here). What differs, on purpose: areas come
 * from a first-fit list, not the vmap_area rb-trees, and an unmapped area is
 * flushed at once instead of being purged lazily later (Linux never reuses
 * an address before its purge either); there is no hugetlbfs
 * (CONFIG_HUGETLB_PAGE), so PTE-level huge mappings are not made. Areas
 * start at VMALLOC_AREA_START and end below the slab window (lmemu/machine.h).
 */
#include <linux/vmalloc.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>
#include <asm/tlbflush.h>

#define VMALLOC_AREA_END	LMEMU_SLAB_START
#define MAX_VM_AREAS		64

static struct vm_struct vm_area_slots[MAX_VM_AREAS];
static struct vm_struct *vmlist;	/* in use, by address */
static DEFINE_SPINLOCK(vmap_area_lock);

struct vm_struct *get_vm_area(unsigned long size, unsigned long flags)
{
	struct vm_struct *area = NULL, **link;
	unsigned long addr = VMALLOC_AREA_START;
	int i;

	size = PAGE_ALIGN(size) + PAGE_SIZE;	/* and a guard page */
	spin_lock(&vmap_area_lock);
	for (i = 0; i < MAX_VM_AREAS && !area; i++)
		if (!vm_area_slots[i].size)
			area = &vm_area_slots[i];
	for (link = &vmlist; area && *link; link = &(*link)->next) {
		if (addr + size <= (unsigned long)(*link)->addr)
			break;
		addr = (unsigned long)(*link)->addr + (*link)->size;
	}
	if (!area || addr + size > VMALLOC_AREA_END || addr + size < addr) {
		spin_unlock(&vmap_area_lock);
		return NULL;
	}
	*area = (struct vm_struct){ .next = *link, .addr = (void *)addr, .size = size, .flags = flags,
				    .caller = __builtin_return_address(0) };
	*link = area;
	spin_unlock(&vmap_area_lock);
	return area;
}

struct vm_struct *find_vm_area(const void *addr)
{
	struct vm_struct *area;

	spin_lock(&vmap_area_lock);
	for (area = vmlist; area && area->addr != addr; area = area->next)
		;
	spin_unlock(&vmap_area_lock);
	return area;
}

static void remove_vm_area(struct vm_struct *area)
{
	struct vm_struct **link;

	spin_lock(&vmap_area_lock);
	for (link = &vmlist; *link && *link != area; link = &(*link)->next)
		;
	if (*link)
		*link = area->next;
	area->size = 0;
	spin_unlock(&vmap_area_lock);
}

void free_vm_area(struct vm_struct *area)
{
	remove_vm_area(area);
}

static unsigned int ioremap_max_page_shift = BITS_PER_LONG - 1;

/*** Page table manipulation functions ***/
static int vmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift, pgtbl_mod_mask *mask)
{
	pte_t *pte;
	u64 pfn;
	unsigned long size = PAGE_SIZE;

	pfn = phys_addr >> PAGE_SHIFT;
	pte = pte_alloc_kernel_track(pmd, addr, mask);
	if (!pte)
		return -ENOMEM;

	arch_enter_lazy_mmu_mode();

	do {
		if (unlikely(!pte_none(ptep_get(pte)))) {
			if (pfn_valid(pfn))
				dump_page(pfn_to_page(pfn), "remapping already mapped page");
			BUG();
		}
		set_pte_at(&init_mm, addr, pte, pfn_pte(pfn, prot));
		pfn++;
	} while (pte += PFN_DOWN(size), addr += size, addr != end);

	arch_leave_lazy_mmu_mode();
	*mask |= PGTBL_PTE_MODIFIED;
	return 0;
}

static int vmap_try_huge_pmd(pmd_t *pmd, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift)
{
	if (max_page_shift < PMD_SHIFT)
		return 0;

	if (!arch_vmap_pmd_supported(prot))
		return 0;

	if ((end - addr) != PMD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PMD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PMD_SIZE))
		return 0;

	if (pmd_present(*pmd) && !pmd_free_pte_page(pmd, addr))
		return 0;

	return pmd_set_huge(pmd, phys_addr, prot);
}

static int vmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift, pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;

	pmd = pmd_alloc_track(&init_mm, pud, addr, mask);
	if (!pmd)
		return -ENOMEM;
	do {
		next = pmd_addr_end(addr, end);

		if (vmap_try_huge_pmd(pmd, addr, next, phys_addr, prot,
					max_page_shift)) {
			*mask |= PGTBL_PMD_MODIFIED;
			continue;
		}

		if (vmap_pte_range(pmd, addr, next, phys_addr, prot, max_page_shift, mask))
			return -ENOMEM;
	} while (pmd++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

static int vmap_try_huge_pud(pud_t *pud, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift)
{
	if (max_page_shift < PUD_SHIFT)
		return 0;

	if (!arch_vmap_pud_supported(prot))
		return 0;

	if ((end - addr) != PUD_SIZE)
		return 0;

	if (!IS_ALIGNED(addr, PUD_SIZE))
		return 0;

	if (!IS_ALIGNED(phys_addr, PUD_SIZE))
		return 0;

	if (pud_present(*pud) && !pud_free_pmd_page(pud, addr))
		return 0;

	return pud_set_huge(pud, phys_addr, prot);
}

static int vmap_pud_range(p4d_t *p4d, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift, pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;

	pud = pud_alloc_track(&init_mm, p4d, addr, mask);
	if (!pud)
		return -ENOMEM;
	do {
		next = pud_addr_end(addr, end);

		if (vmap_try_huge_pud(pud, addr, next, phys_addr, prot,
					max_page_shift)) {
			*mask |= PGTBL_PUD_MODIFIED;
			continue;
		}

		if (vmap_pmd_range(pud, addr, next, phys_addr, prot,
					max_page_shift, mask))
			return -ENOMEM;
	} while (pud++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

static int vmap_p4d_range(pgd_t *pgd, unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift, pgtbl_mod_mask *mask)
{
	p4d_t *p4d;
	unsigned long next;

	p4d = p4d_alloc_track(&init_mm, pgd, addr, mask);
	if (!p4d)
		return -ENOMEM;
	do {
		next = p4d_addr_end(addr, end);

		if (vmap_pud_range(p4d, addr, next, phys_addr, prot,
					max_page_shift, mask))
			return -ENOMEM;
	} while (p4d++, phys_addr += (next - addr), addr = next, addr != end);
	return 0;
}

static int vmap_range_noflush(unsigned long addr, unsigned long end,
			phys_addr_t phys_addr, pgprot_t prot,
			unsigned int max_page_shift)
{
	pgd_t *pgd;
	unsigned long start;
	unsigned long next;
	int err;
	pgtbl_mod_mask mask = 0;

	might_sleep();
	BUG_ON(addr >= end);

	start = addr;
	pgd = pgd_offset_k(addr);
	do {
		next = pgd_addr_end(addr, end);
		err = vmap_p4d_range(pgd, addr, next, phys_addr, prot,
					max_page_shift, &mask);
		if (err)
			break;
	} while (pgd++, phys_addr += (next - addr), addr = next, addr != end);

	if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
		arch_sync_kernel_mappings(start, end);

	return err;
}

int ioremap_page_range(unsigned long addr, unsigned long end,
		phys_addr_t phys_addr, pgprot_t prot)
{
	int err;

	err = vmap_range_noflush(addr, end, phys_addr, pgprot_nx(prot),
				 ioremap_max_page_shift);
	flush_cache_vmap(addr, end);
	return err;
}

static void vunmap_pte_range(pmd_t *pmd, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pte_t *pte;
	pte_t ptent;
	unsigned long size = PAGE_SIZE;

	pte = pte_offset_kernel(pmd, addr);
	arch_enter_lazy_mmu_mode();

	do {
		ptent = ptep_get_and_clear(&init_mm, addr, pte);
		WARN_ON(!pte_none(ptent) && !pte_present(ptent));
	} while (pte += (size >> PAGE_SHIFT), addr += size, addr != end);

	arch_leave_lazy_mmu_mode();
	*mask |= PGTBL_PTE_MODIFIED;
}

static void vunmap_pmd_range(pud_t *pud, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pmd_t *pmd;
	unsigned long next;
	int cleared;

	pmd = pmd_offset(pud, addr);
	do {
		next = pmd_addr_end(addr, end);

		cleared = pmd_clear_huge(pmd);
		if (cleared || pmd_bad(*pmd))
			*mask |= PGTBL_PMD_MODIFIED;

		if (cleared) {
			WARN_ON(next - addr < PMD_SIZE);
			continue;
		}
		if (pmd_none_or_clear_bad(pmd))
			continue;
		vunmap_pte_range(pmd, addr, next, mask);

		cond_resched();
	} while (pmd++, addr = next, addr != end);
}

static void vunmap_pud_range(p4d_t *p4d, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	pud_t *pud;
	unsigned long next;
	int cleared;

	pud = pud_offset(p4d, addr);
	do {
		next = pud_addr_end(addr, end);

		cleared = pud_clear_huge(pud);
		if (cleared || pud_bad(*pud))
			*mask |= PGTBL_PUD_MODIFIED;

		if (cleared) {
			WARN_ON(next - addr < PUD_SIZE);
			continue;
		}
		if (pud_none_or_clear_bad(pud))
			continue;
		vunmap_pmd_range(pud, addr, next, mask);
	} while (pud++, addr = next, addr != end);
}

static void vunmap_p4d_range(pgd_t *pgd, unsigned long addr, unsigned long end,
			     pgtbl_mod_mask *mask)
{
	p4d_t *p4d;
	unsigned long next;

	p4d = p4d_offset(pgd, addr);
	do {
		next = p4d_addr_end(addr, end);

		p4d_clear_huge(p4d);
		if (p4d_bad(*p4d))
			*mask |= PGTBL_P4D_MODIFIED;

		if (p4d_none_or_clear_bad(p4d))
			continue;
		vunmap_pud_range(p4d, addr, next, mask);
	} while (p4d++, addr = next, addr != end);
}

/*
 * vunmap_range_noflush is similar to vunmap_range, but does not
 * flush caches or TLBs.
 *
 * The caller is responsible for calling flush_cache_vmap() before calling
 * this function, and flush_tlb_kernel_range after it has returned
 * successfully (and before the addresses are expected to cause a page fault
 * or be re-mapped for something else, if TLB flushes are being delayed or
 * coalesced).
 */
void __vunmap_range_noflush(unsigned long start, unsigned long end)
{
	unsigned long next;
	pgd_t *pgd;
	unsigned long addr = start;
	pgtbl_mod_mask mask = 0;

	BUG_ON(addr >= end);
	pgd = pgd_offset_k(addr);
	do {
		next = pgd_addr_end(addr, end);
		if (pgd_bad(*pgd))
			mask |= PGTBL_PGD_MODIFIED;
		if (pgd_none_or_clear_bad(pgd))
			continue;
		vunmap_p4d_range(pgd, addr, next, &mask);
	} while (pgd++, addr = next, addr != end);

	if (mask & ARCH_PAGE_TABLE_SYNC_MASK)
		arch_sync_kernel_mappings(start, end);
}

void vunmap_range_noflush(unsigned long start, unsigned long end)
{
	__vunmap_range_noflush(start, end);
}

/**
 * vunmap_range - unmap kernel virtual addresses
 * @addr: start of the VM area to unmap
 * @end: end of the VM area to unmap (non-inclusive)
 *
 * Clears any present PTEs in the virtual address range, flushes TLBs and
 * caches. Any subsequent access to the address before it has been re-mapped
 * is a kernel bug.
 */
void vunmap_range(unsigned long addr, unsigned long end)
{
	flush_cache_vunmap(addr, end);
	vunmap_range_noflush(addr, end);
	flush_tlb_kernel_range(addr, end);
}

struct vmap_pages {
	struct page **pages;
	pgprot_t prot;
	unsigned long start;
};

static int vmap_one_pte(pte_t *pte, unsigned long addr, void *data)
{
	struct vmap_pages *v = data;
	struct page *page = v->pages[(addr - v->start) >> PAGE_SHIFT];

	if (WARN_ON(!pte_none(ptep_get(pte))))
		return -EBUSY;
	if (WARN_ON(!page))
		return -ENOMEM;
	set_pte_at(&init_mm, addr, pte, mk_pte(page, v->prot));
	return 0;
}

static int vmap_pages_range(unsigned long addr, unsigned long end, pgprot_t prot, struct page **pages)
{
	struct vmap_pages v = { pages, prot, addr };
	int err = apply_to_page_range(&init_mm, addr, end - addr, vmap_one_pte, &v);

	flush_cache_vmap(addr, end);
	return err;
}

void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot)
{
	struct vm_struct *area;
	unsigned long addr;

	might_sleep();
	area = get_vm_area((unsigned long)count << PAGE_SHIFT, flags | VM_MAP);
	if (!area)
		return NULL;
	addr = (unsigned long)area->addr;
	if (vmap_pages_range(addr, addr + ((unsigned long)count << PAGE_SHIFT), prot, pages) < 0) {
		vunmap(area->addr);
		return NULL;
	}
	return area->addr;
}

void vunmap(const void *addr)
{
	struct vm_struct *area;

	might_sleep();
	if (!addr)
		return;
	area = find_vm_area(addr);
	if (WARN_ON(!area))
		return;
	vunmap_range((unsigned long)addr, (unsigned long)addr + get_vm_area_size(area));
	remove_vm_area(area);
}

void *vmalloc(unsigned long size)
{
	unsigned int nr = PAGE_ALIGN(size) >> PAGE_SHIFT, i;
	unsigned int array_order = get_order(nr * sizeof(struct page *));
	struct vm_struct *area;
	struct page **pages;
	struct page *array;

	if (!size)
		return NULL;
	array = alloc_pages(GFP_KERNEL, array_order);
	if (!array)
		return NULL;
	pages = page_address(array);
	for (i = 0; i < nr; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto fail;
	}
	area = get_vm_area(size, VM_ALLOC);
	if (!area)
		goto fail;
	area->pages = pages;
	area->nr_pages = nr;
	if (vmap_pages_range((unsigned long)area->addr, (unsigned long)area->addr + ((unsigned long)nr << PAGE_SHIFT),
			     PAGE_KERNEL, pages) < 0) {
		vfree(area->addr);
		return NULL;
	}
	return area->addr;
fail:
	while (i--)
		__free_page(pages[i]);
	__free_pages(array, array_order);
	return NULL;
}

void *vzalloc(unsigned long size)
{
	void *p = vmalloc(size);

	if (p)
		memset(p, 0, PAGE_ALIGN(size));
	return p;
}

void vfree(const void *addr)
{
	struct vm_struct *area;
	unsigned int i;

	might_sleep();
	if (!addr)
		return;
	area = find_vm_area(addr);
	if (WARN(!area, "Trying to vfree() nonexistent vm area (%px)\n", addr))
		return;
	vunmap_range((unsigned long)addr, (unsigned long)addr + get_vm_area_size(area));
	for (i = 0; i < area->nr_pages; i++)
		__free_page(area->pages[i]);
	if (area->pages)
		__free_pages(virt_to_page(area->pages), get_order(area->nr_pages * sizeof(struct page *)));
	remove_vm_area(area);
}

struct page *vmalloc_to_page(const void *vmalloc_addr)
{
	unsigned long addr = (unsigned long)vmalloc_addr;
	pgd_t *pgd = pgd_offset_k(addr);
	p4d_t *p4d;
	pud_t *pud;
	pmd_t *pmd;
	pte_t pte;

	if (pgd_none(READ_ONCE(*pgd)))
		return NULL;
	p4d = p4d_offset(pgd, addr);
	if (p4d_none(READ_ONCE(*p4d)))
		return NULL;
	pud = pud_offset(p4d, addr);
	if (pud_none(READ_ONCE(*pud)))
		return NULL;
	if (pud_leaf(READ_ONCE(*pud)))
		return pfn_to_page(pud_pfn(READ_ONCE(*pud)) + ((addr & ~PUD_MASK) >> PAGE_SHIFT));
	pmd = pmd_offset(pud, addr);
	if (pmd_none(READ_ONCE(*pmd)))
		return NULL;
	if (pmd_leaf(READ_ONCE(*pmd)))
		return pfn_to_page(pmd_pfn(READ_ONCE(*pmd)) + ((addr & ~PMD_MASK) >> PAGE_SHIFT));
	pte = ptep_get(pte_offset_kernel(pmd, addr));
	return pte_present(pte) ? pfn_to_page(pte_pfn(pte)) : NULL;
}

unsigned long vmalloc_to_pfn(const void *vmalloc_addr)
{
	return page_to_pfn(vmalloc_to_page(vmalloc_addr));
}
