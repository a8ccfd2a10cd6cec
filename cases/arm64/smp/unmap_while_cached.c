#include <linux/mm.h>
#include <linux/smp.h>
#include "flush.h"

static const unsigned long va = VMALLOC_START + 256 * PAGE_SIZE;

static void touch(void *info)
{
	*(volatile unsigned long *)va = (unsigned long)info;
}

void scenario(void)
{
	struct page *page = alloc_page(GFP_KERNEL);
	pte_t *ptep;

	BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));
	ptep = virt_to_kpte(va);
	set_pte(ptep, mk_pte(page, PAGE_KERNEL));
	smp_call_function_single(1, touch, (void *)1, 1);	/* CPU 1 caches the translation */

	pte_clear(&init_mm, va, ptep);
	flush_one(va);
	smp_call_function_single(1, touch, (void *)2, 1);	/* and uses it after the unmap */
}
