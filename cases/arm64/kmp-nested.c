/*
 * The DEBUG_PAGEALLOC nesting scenario of Ryan Roberts' RFC "Lazy mmu mode
 * fixes and improvements" (lore 20250530140446.2387131-1-ryan.roberts@arm.com):
 *
 * arch_enter_lazy_mmu_mode()                        << outer lazy mmu region
 *   <do some pte changes (A)>
 *   alloc_pages()
 *     debug_pagealloc_map_pages()
 *       __kernel_map_pages()
 *         __change_memory_common()
 *           arch_enter_lazy_mmu_mode()              << inner lazy mmu region
 *             <change kernel pte to make valid (B)>
 *           arch_leave_lazy_mmu_mode()              << exit; complete A + B
 *     clear_page()
 *   <do some more pte changes (C)>                  << no longer in lazy mode
 * arch_leave_lazy_mmu_mode()                        << nop
 *
 * A and C map pages into the vmalloc area: valid kernel PTEs, whose barriers
 * arm64 defers in lazy mode. The page is allocated with __GFP_ZERO, so
 * clear_page() runs inside alloc_pages() (post_alloc_hook()), as in the
 * thread's call graph.
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/printk.h>

#define NR_A	3
#define NR_C	3

static unsigned long va_a = VMALLOC_START;
static unsigned long va_c = VMALLOC_START + NR_A * PAGE_SIZE;

static void map_range(unsigned long va, struct page **pages, int n)
{
	int i;

	for (i = 0; i < n; i++)
		set_pte(virt_to_kpte(va + i * PAGE_SIZE), mk_pte(pages[i], PAGE_KERNEL));
}

void scenario(void)
{
	struct page *a[NR_A], *c[NR_C], *page;
	int i;

	/* Set-up outside any lazy section: frames, and the vmalloc page tables. */
	for (i = 0; i < NR_A; i++)
		a[i] = alloc_page(GFP_KERNEL);
	for (i = 0; i < NR_C; i++)
		c[i] = alloc_page(GFP_KERNEL);
	BUG_ON(apply_to_page_range(&init_mm, VMALLOC_START, (NR_A + NR_C) * PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	map_range(va_a, a, NR_A);			/* A */
	page = alloc_page(GFP_NOWAIT | __GFP_ZERO);	/* B, then clear_page() */
	map_range(va_c, c, NR_C);			/* C */
	lazy_mmu_mode_disable();

	/* After the outer leave everything must be usable. */
	for (i = 0; i < NR_A; i++)
		*(volatile unsigned long *)(va_a + i * PAGE_SIZE) = i;
	for (i = 0; i < NR_C; i++)
		*(volatile unsigned long *)(va_c + i * PAGE_SIZE) = i;
	pr_info("A, B and C mapped; new page at %p\n", page_address(page));
}
