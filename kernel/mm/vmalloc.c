/*
 * Follows Linux v6.16 mm/vmalloc.c's interface: vmalloc(), vfree(), vmap(),
 * vunmap(), get_vm_area(), find_vm_area(), vmalloc_to_page().
 *
 * The mappings are made as Linux makes them — a PTE per page inside a lazy
 * MMU section (apply_to_page_range() here, vmap_pages_pte_range() there),
 * cleared by vunmap_range_noflush() and flushed with
 * flush_tlb_kernel_range() — so the model judges them the same way. What
 * differs, on purpose: areas come from a first-fit list, not the vmap_area
 * rb-trees, and an unmapped area is flushed at once instead of being purged
 * lazily later (Linux never reuses an address before its purge either).
 * Areas start at VMALLOC_AREA_START and end below the kernel threads' stacks.
 */
#include <linux/vmalloc.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>
#include <asm/tlbflush.h>

#define VMALLOC_AREA_END	(LMEMU_TASK_STACK_TOP - LMEMU_MAX_TASKS * LMEMU_STACK_STRIDE)
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

static int vunmap_one_pte(pte_t *pte, unsigned long addr, void *data)
{
	pte_t ptent = ptep_get_and_clear(&init_mm, addr, pte);

	WARN_ON(!pte_none(ptent) && !pte_present(ptent));
	return 0;
}

static int vmap_pages_range(unsigned long addr, unsigned long end, pgprot_t prot, struct page **pages)
{
	struct vmap_pages v = { pages, prot, addr };
	int err = apply_to_page_range(&init_mm, addr, end - addr, vmap_one_pte, &v);

	flush_cache_vmap(addr, end);
	return err;
}

static void vunmap_range(unsigned long addr, unsigned long end)
{
	apply_to_existing_page_range(&init_mm, addr, end - addr, vunmap_one_pte, NULL);
	flush_tlb_kernel_range(addr, end);
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
