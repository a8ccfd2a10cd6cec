/*
 * A lazy MMU section (zap_pte_range()'s, say) frees a page: with
 * DEBUG_PAGEALLOC the free unmaps it from the linear map, and under Xen PV
 * that update is queued in the CPU's multicall batch. An interrupt then
 * allocates (a slab refill in an IRQ), gets the same page back and maps it
 * again: CPA reads the linear-map PTE the queued update has not changed
 * yet. Its own update is made at once (in interrupt context Xen's lazy mode
 * is off); when the section ends, the queued unmap lands after it, and the
 * page the interrupt is using is unmapped.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

static struct page *freed;
static unsigned long *irq_buf;

noinline void zap_step(void)
{
	barrier();
}

void irq_handler(void)
{
	struct page *page = alloc_page(GFP_ATOMIC);

	BUG_ON(!page);
	irq_buf = page_address(page);
	WRITE_ONCE(*irq_buf, 1);
}

void scenario(void)
{
	freed = alloc_page(GFP_KERNEL);
	BUG_ON(!freed);

	lazy_mmu_mode_enable();
	__free_page(freed);
	zap_step();
	lazy_mmu_mode_disable();

	/* What the interrupt allocated must still be mapped. */
	BUG_ON(!irq_buf);
	WRITE_ONCE(*irq_buf, 2);
}
