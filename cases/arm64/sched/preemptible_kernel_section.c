/*
 * A lazy MMU section over kernel mappings, as apply_to_page_range() runs one
 * for init_mm: no lock held, so preemptible, which 691ee97e1a9d wrote into
 * the contract. It maps a run of pages with set_ptes(), one more with
 * set_pte(), then a second run; a case preempts it (at section_step(), or
 * inside set_ptes()) with a thread that maps and uses a page of its own in
 * its own lazy section. Lazy state belongs to each task, so
 * neither disturbs the other.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

#define NR_RUN	4
#define NR_ALL	(2 * NR_RUN + 2)

static unsigned long base = VMALLOC_START;
static unsigned long pa_base;

static pte_t *ptep(int i)
{
	return virt_to_kpte(base + i * PAGE_SIZE);
}


noinline void section_step(void) { barrier(); }

void preempting_thread(void)
{
	int i = NR_ALL - 1;

	lazy_mmu_mode_enable();
	set_pte(ptep(i), pfn_pte((pa_base >> PAGE_SHIFT) + i, PAGE_KERNEL));
	lazy_mmu_mode_disable();
	(void)READ_ONCE(*(unsigned long *)(base + i * PAGE_SIZE));
}

void scenario(void)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 4);
	int i;

	BUG_ON(!pages);
	pa_base = page_to_phys(pages);
	BUG_ON(apply_to_page_range(&init_mm, base, NR_ALL * PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	set_ptes(&init_mm, base, ptep(0), pfn_pte(pa_base >> PAGE_SHIFT, PAGE_KERNEL), NR_RUN);
	set_pte(ptep(NR_RUN), pfn_pte((pa_base >> PAGE_SHIFT) + NR_RUN, PAGE_KERNEL));
	section_step();
	set_ptes(&init_mm, base + (NR_RUN + 1) * PAGE_SIZE, ptep(NR_RUN + 1),
		 pfn_pte((pa_base >> PAGE_SHIFT) + NR_RUN + 1, PAGE_KERNEL), NR_RUN);
	lazy_mmu_mode_disable();

	for (i = 0; i < NR_ALL; i++)
		(void)READ_ONCE(*(unsigned long *)(base + i * PAGE_SIZE));
}
