/*
 * A page freed from softirq context (a network driver's receive path, an
 * RCU callback): with DEBUG_PAGEALLOC the free unmaps it from the linear
 * map there, through set_memory_valid() and split_kernel_leaf_mapping().
 * Guenter Roeck's report: "BUG: sleeping function called from invalid
 * context" from the split's mutex_lock().
 */
#include <linux/mm.h>
#include <linux/gfp.h>

static struct page *rx_page, *task_page;

void rx_softirq(void)
{
	__free_pages(rx_page, 0);
}

noinline void task_step(void)
{
	WRITE_ONCE(*(unsigned long *)page_address(task_page), 1);
}

void scenario(void)
{
	rx_page = alloc_pages(GFP_KERNEL, 0);
	task_page = alloc_pages(GFP_KERNEL, 0);
	task_step();
}
