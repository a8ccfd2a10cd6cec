/* CPU 0 opens a lazy section, maps A, and calls CPU 1 in the middle of it. */
#include "lazy_section.h"

void scenario(void)
{
	struct page *a = alloc_page(GFP_KERNEL), *b = alloc_page(GFP_KERNEL);

	BUG_ON(apply_to_page_range(&init_mm, VA_A, 2 * PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	set_pte(virt_to_kpte(VA_A), mk_pte(a, PAGE_KERNEL));
	smp_call_function_single(1, callback, b, 1);
	lazy_mmu_mode_disable();

	*(volatile unsigned long *)VA_A = 0;
}
