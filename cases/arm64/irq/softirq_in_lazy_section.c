/*
 * A task maps pages in a lazy MMU section; a softirq arrives while it is in
 * there (the case injects it at task_step()) and changes a kernel mapping of
 * its own, as KFENCE and DEBUG_PAGEALLOC do from softirq context (the syzbot
 * report behind b81c688426a9). softirq_handler() comes from a variant:
 * irq/handler_set_pte.c or irq/handler_alloc.c.
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/interrupt.h>

#define NR_TASK	3

static unsigned long va_task = VMALLOC_START;
unsigned long va_irq = VMALLOC_START + NR_TASK * PAGE_SIZE;	/* for the handler */
struct page *irq_page;
static struct page *task_pages[NR_TASK];

noinline void task_step(int i)
{
	set_pte(virt_to_kpte(va_task + i * PAGE_SIZE), mk_pte(task_pages[i], PAGE_KERNEL));
}

void scenario(void)
{
	int i;

	for (i = 0; i < NR_TASK; i++)
		task_pages[i] = alloc_page(GFP_KERNEL);
	irq_page = alloc_page(GFP_KERNEL);
	BUG_ON(apply_to_page_range(&init_mm, VMALLOC_START, (NR_TASK + 1) * PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	for (i = 0; i < NR_TASK; i++)
		task_step(i);
	lazy_mmu_mode_disable();

	for (i = 0; i < NR_TASK; i++)
		(void)READ_ONCE(*(unsigned long *)(va_task + i * PAGE_SIZE));
}
