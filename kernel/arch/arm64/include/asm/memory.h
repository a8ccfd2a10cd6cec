/*
 * Follows Linux v6.16 arch/arm64/include/asm/memory.h (subset). The layout
 * comes from the lmemu machine (lmemu/machine.h); mem_map is a flat array in
 * RAM instead of the vmemmap region.
 */
#ifndef __ASM_MEMORY_H
#define __ASM_MEMORY_H

#include <lmemu/machine.h>

#define VA_BITS			48
#define PAGE_OFFSET		LMEMU_PAGE_OFFSET
#define KIMAGE_VADDR		LMEMU_KIMAGE_VADDR
#define VMALLOC_START		LMEMU_VMALLOC_START
#define VMALLOC_END		LMEMU_VMALLOC_END
#define PHYS_OFFSET		LMEMU_PHYS_OFFSET

#define MT_NORMAL		0
#define MT_NORMAL_TAGGED	1
#define MT_NORMAL_NC		2
#define MT_DEVICE_nGnRnE	3
#define MT_DEVICE_nGnRE		4

#ifndef __ASSEMBLY__
#define __phys_to_virt(x)	((unsigned long)((x) - PHYS_OFFSET) | PAGE_OFFSET)
#define __virt_to_phys(x)	((phys_addr_t)((unsigned long)(x) - PAGE_OFFSET + PHYS_OFFSET))
#define __va(x)			((void *)__phys_to_virt((phys_addr_t)(x)))
#define __pa(x)			__virt_to_phys((unsigned long)(x))
#define virt_to_phys(x)		__pa(x)
#define phys_to_virt(x)		__va(x)

#include <linux/pfn.h>
#define ARCH_PFN_OFFSET		(PHYS_OFFSET >> PAGE_SHIFT)

#define mem_map			((struct page *)__va(LMEMU_MEMMAP_PHYS))
#define pfn_to_page(pfn)	(mem_map + ((pfn) - ARCH_PFN_OFFSET))
#define page_to_pfn(page)	((unsigned long)((page) - mem_map) + ARCH_PFN_OFFSET)
#define page_to_phys(page)	PFN_PHYS(page_to_pfn(page))
#define phys_to_page(phys)	pfn_to_page(PHYS_PFN(phys))
#define virt_to_page(x)		pfn_to_page(PHYS_PFN(__pa(x)))
#define virt_to_pfn(x)		PHYS_PFN(__pa(x))
#define page_to_virt(page)	__va(page_to_phys(page))
#endif

#endif
