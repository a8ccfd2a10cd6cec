/*
 * The generic set_ptes() of bcc6cc832573, before 691ee97e1a9d: the loop
 * brackets itself with a lazy MMU section, so a caller already in one (zap,
 * remap, apply_to_page_range() on kernel mappings) nests. Written with the
 * v7.0 names, which are the arch hooks themselves under the v6.x policies.
 */
#include <linux/mm.h>

void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte, unsigned int nr)
{
	lazy_mmu_mode_enable();
	for (;;) {
		set_pte(ptep, pte);
		if (--nr == 0)
			break;
		ptep++;
		pte = __pte(pte_val(pte) + PAGE_SIZE);
	}
	lazy_mmu_mode_disable();
}
