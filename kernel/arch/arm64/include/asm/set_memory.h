/* Follows Linux v6.16 arch/arm64/include/asm/set_memory.h (subset). */
#ifndef _ASM_ARM64_SET_MEMORY_H
#define _ASM_ARM64_SET_MEMORY_H

#include <linux/types.h>
#include <asm/pgtable-types.h>

bool can_set_direct_map(void);
int set_memory_valid(unsigned long addr, int numpages, int enable);
int set_memory_ro(unsigned long addr, int numpages);
int set_memory_rw(unsigned long addr, int numpages);
int set_memory_x(unsigned long addr, int numpages);
int set_memory_nx(unsigned long addr, int numpages);
int set_memory_rox(unsigned long addr, int numpages);
int __change_memory_common(unsigned long start, unsigned long size,
			   pgprot_t set_mask, pgprot_t clear_mask);

struct page;
int set_direct_map_invalid_noflush(struct page *page);
int set_direct_map_default_noflush(struct page *page);
bool kernel_page_present(struct page *page);

#endif
