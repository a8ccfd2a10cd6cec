/* Writes a `dsb sy; ret` into a page and runs it: a barrier no load-time rewrite saw. */
#include <linux/mm.h>

void misbehave(void)
{
	unsigned long va = VMALLOC_START;
	struct page *page = alloc_pages(GFP_KERNEL, 0);
	unsigned int *code = page_address(page);

	code[0] = 0xd5033f9f;	/* dsb sy */
	code[1] = 0xd65f03c0;	/* ret */
	BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
	set_pte(virt_to_kpte(va), pfn_pte(page_to_pfn(page), PAGE_KERNEL_EXEC));
	((void (*)(void))va)();
}
