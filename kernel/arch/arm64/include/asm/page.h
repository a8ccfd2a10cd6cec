/* Follows Linux v6.16 arch/arm64/include/asm/page.h and page-def.h (subset). */
#ifndef __ASM_PAGE_H
#define __ASM_PAGE_H

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define PAGE_MASK		(~(PAGE_SIZE - 1))

#ifndef __ASSEMBLY__
#include <linux/types.h>
#include <asm/pgtable-types.h>

struct page;
void clear_page(void *to);
void copy_page(void *to, const void *from);

/* include/asm-generic/getorder.h: the order of the smallest block holding `size` bytes. */
static inline int get_order(unsigned long size)
{
	size = (size - 1) >> PAGE_SHIFT;
	return size ? 64 - __builtin_clzl(size) : 0;
}
#endif

#include <asm/memory.h>

#endif
