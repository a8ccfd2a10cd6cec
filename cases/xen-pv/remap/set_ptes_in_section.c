/*
 * A lazy MMU section over kernel mappings, as apply_to_page_range() or a
 * remap runs one: a run of pages with set_ptes(), one with set_pte(), and a
 * second run. The preemption case injects a preemption at the second
 * xen_set_pte() call, which is inside the first set_ptes(): inside its own
 * lazy section when set_ptes() has one (bcc6cc832573). The preempting thread
 * maps and reads a page of its own in a section of its own.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

#define NR_RUN	4
#define NR_TASK	(2 * NR_RUN + 1)	/* the task's pages; the thread's is the next */

static unsigned long base = VMALLOC_START;
static unsigned long pa_base;

static pte_t *ptep(int i)
{
	return virt_to_kpte(base + i * PAGE_SIZE);
}

static pte_t page_pte(int i)
{
	return pfn_pte((pa_base >> PAGE_SHIFT) + i, PAGE_KERNEL);
}

void preempting_thread(void)
{
	lazy_mmu_mode_enable();
	set_pte(ptep(NR_TASK), page_pte(NR_TASK));
	lazy_mmu_mode_disable();
	(void)READ_ONCE(*(unsigned long *)(base + NR_TASK * PAGE_SIZE));
}

void scenario(void)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 4);
	int i;

	BUG_ON(!pages);
	pa_base = page_to_phys(pages);
	BUG_ON(apply_to_page_range(&init_mm, base, (NR_TASK + 1) * PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	set_ptes(&init_mm, base, ptep(0), page_pte(0), NR_RUN);
	set_pte(ptep(NR_RUN), page_pte(NR_RUN));
	set_ptes(&init_mm, base + (NR_RUN + 1) * PAGE_SIZE, ptep(NR_RUN + 1), page_pte(NR_RUN + 1), NR_RUN);
	lazy_mmu_mode_disable();

	for (i = 0; i < NR_TASK; i++)
		(void)READ_ONCE(*(unsigned long *)(base + i * PAGE_SIZE));
}
