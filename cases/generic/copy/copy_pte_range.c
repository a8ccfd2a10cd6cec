/*
 * The copy_pte_range() shape: a lazy MMU section copies a run of entries
 * from one table to another, one set_pte_at() per entry, as fork() does
 * (mm/memory.c: copy_pte_range() opens the section around
 * copy_present_ptes()). What the loop does with the entry it has just
 * written is a variant: read it back with ptep_get() (copy_read_back.c), or
 * use the value it wrote (copy_kept.c). On arm64 a CPU's loads see its own
 * stores, so both are the same; on Xen PV the store is a queued request.
 */
#include <linux/mm.h>
#include <linux/gfp.h>

#define NR	4

static unsigned long src = VMALLOC_START, dst = VMALLOC_START + 64 * PAGE_SIZE;

/* Copies one entry; returns what the destination now holds. */
pte_t copy_one_pte(pte_t *dst_pte, pte_t *src_pte, unsigned long addr);

void scenario(void)
{
	struct page *pages = alloc_pages(GFP_KERNEL, 2);
	unsigned long young = 0;
	int i;

	BUG_ON(!pages);
	BUG_ON(apply_to_page_range(&init_mm, src, NR * PAGE_SIZE, NULL, NULL));
	BUG_ON(apply_to_page_range(&init_mm, dst, NR * PAGE_SIZE, NULL, NULL));
	for (i = 0; i < NR; i++)
		set_pte(virt_to_kpte(src + i * PAGE_SIZE), mk_pte(pages + i, PAGE_KERNEL));

	lazy_mmu_mode_enable();
	for (i = 0; i < NR; i++) {
		pte_t pte = copy_one_pte(virt_to_kpte(dst + i * PAGE_SIZE), virt_to_kpte(src + i * PAGE_SIZE),
					 dst + i * PAGE_SIZE);
		young += pte_young(pte);
	}
	lazy_mmu_mode_disable();

	BUG_ON(young != NR);
	for (i = 0; i < NR; i++)
		(void)READ_ONCE(*(unsigned long *)(dst + i * PAGE_SIZE));
}
