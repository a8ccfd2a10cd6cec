/*
 * Follows Linux include/linux/vmalloc.h (subset): virtually contiguous
 * kernel mappings. See mm/vmalloc.c for what differs from Linux.
 */
#ifndef _LINUX_VMALLOC_H
#define _LINUX_VMALLOC_H

#include <linux/mm.h>
#include <linux/bitops.h>
#include <asm/vmalloc.h>

#define VM_IOREMAP	0x00000001	/* ioremap() and friends */
#define VM_ALLOC	0x00000002	/* vmalloc() */
#define VM_MAP		0x00000004	/* vmap()ed pages */

struct vm_struct {
	struct vm_struct *next;
	void *addr;
	unsigned long size;		/* with the guard page after it */
	unsigned long flags;
	struct page **pages;
	unsigned int nr_pages;
	phys_addr_t phys_addr;
	const void *caller;
};

/* Where vmalloc() and vmap() place areas: above what scenarios map by hand at VMALLOC_START. */
#define VMALLOC_AREA_START	(VMALLOC_START + 0x10000000UL)

void *vmalloc(unsigned long size);
void *vzalloc(unsigned long size);
void vfree(const void *addr);
void *vmap(struct page **pages, unsigned int count, unsigned long flags, pgprot_t prot);
void vunmap(const void *addr);
struct vm_struct *get_vm_area(unsigned long size, unsigned long flags);
struct vm_struct *find_vm_area(const void *addr);
void free_vm_area(struct vm_struct *area);
struct page *vmalloc_to_page(const void *addr);
int ioremap_page_range(unsigned long addr, unsigned long end, phys_addr_t phys_addr, pgprot_t prot);
void vunmap_range(unsigned long addr, unsigned long end);
void vunmap_range_noflush(unsigned long start, unsigned long end);
unsigned long vmalloc_to_pfn(const void *addr);

static inline bool is_vmalloc_addr(const void *x)
{
	unsigned long addr = (unsigned long)x;

	return addr >= VMALLOC_START && addr < VMALLOC_END;
}

static inline unsigned long get_vm_area_size(const struct vm_struct *area)
{
	return area->size - PAGE_SIZE;	/* the guard page is not usable */
}

#endif
