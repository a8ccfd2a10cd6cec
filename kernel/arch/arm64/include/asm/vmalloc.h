/* Follows Linux v6.16 arch/arm64/include/asm/vmalloc.h: where vmap may use block mappings. */
#ifndef _ASM_ARM64_VMALLOC_H
#define _ASM_ARM64_VMALLOC_H

#include <asm/pgtable.h>

/* 4 KiB pages: level-1 blocks exist. */
static inline bool pud_sect_supported(void) { return PAGE_SIZE == 4096; }

static inline bool arch_vmap_pud_supported(pgprot_t prot)
{
	/*
	 * SW table walks can't handle removal of intermediate entries.
	 */
	return pud_sect_supported() && !IS_ENABLED(CONFIG_PTDUMP_DEBUGFS);
}

static inline bool arch_vmap_pmd_supported(pgprot_t prot)
{
	/* See arch_vmap_pud_supported() */
	return !IS_ENABLED(CONFIG_PTDUMP_DEBUGFS);
}

#endif
