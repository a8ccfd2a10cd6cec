/*
 * A page's linear alias made read-only and writable again, as module
 * loading and BPF do with rodata=full (change_memory_common() updates the
 * alias page by page), while its neighbour in the same 2 MiB block is
 * written. Where the linear map has blocks, set_memory_ro() must split the
 * block around the page first.
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <asm/set_memory.h>

void scenario(void)
{
	/* Two pages of one 2 MiB block: an order-1 block is 8 KiB aligned. */
	struct page *page = alloc_pages(GFP_KERNEL, 1);
	unsigned long addr = (unsigned long)page_address(page);
	unsigned long next = addr + PAGE_SIZE;

	WRITE_ONCE(*(unsigned long *)addr, 1);
	WRITE_ONCE(*(unsigned long *)next, 2);

	set_memory_ro(addr, 1);
	BUG_ON(READ_ONCE(*(unsigned long *)addr) != 1);
	WRITE_ONCE(*(unsigned long *)next, 3);
	set_memory_rw(addr, 1);
	WRITE_ONCE(*(unsigned long *)addr, 4);
}
