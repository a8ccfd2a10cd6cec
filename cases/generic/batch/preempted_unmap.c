/*
 * A task unmaps a kernel page inside a lazy MMU section and is preempted
 * there (the case injects it at step()), to resume on CPU 1. After the
 * section it maps another page at the same address and reads it. Where
 * lazy MMU mode batches per CPU (ppc64-hash, sparc64), the invalidation of
 * the unmapped page waits in the batch of the CPU the section began on,
 * and the section's leave flushes the batch of the CPU it ends on.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

static unsigned long base = VMALLOC_START;

noinline void step(void) { barrier(); }

void preempting_thread(void) { }

void scenario(void)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 1);
	pte_t *ptep;

	BUG_ON(!pages);
	BUG_ON(apply_to_page_range(&init_mm, base, PAGE_SIZE, NULL, NULL));
	ptep = virt_to_kpte(base);
	set_pte(ptep, mk_pte(pages, PAGE_KERNEL));
	(void)READ_ONCE(*(unsigned long *)base);

	lazy_mmu_mode_enable();
	pte_clear(&init_mm, base, ptep);
	step();
	lazy_mmu_mode_disable();

	set_pte(ptep, mk_pte(pages + 1, PAGE_KERNEL));
	(void)READ_ONCE(*(unsigned long *)base);
}
