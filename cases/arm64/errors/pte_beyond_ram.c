/* Maps a page at a physical address the machine has nothing at, then reads it. */
#include <linux/mm.h>

void misbehave(void)
{
	unsigned long va = VMALLOC_START;

	BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
	set_pte(virt_to_kpte(va), pfn_pte(0x80000000UL >> PAGE_SHIFT, PAGE_KERNEL));
	(void)READ_ONCE(*(unsigned long *)va);
}
