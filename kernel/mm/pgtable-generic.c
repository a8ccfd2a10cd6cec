/*
 * Follows Linux include/linux/pgtable.h's generic set_ptes() as 691ee97e1a9d
 * left it: no lazy MMU section of its own (callers that batch open one).
 * Out of line and __weak here (static inline in Linux) so a case can put back
 * the version before that fix, which bracketed the loop with
 * arch_enter/leave_lazy_mmu_mode() and so nested inside its callers' sections.
 */
#include <linux/mm.h>

__weak void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte, unsigned int nr)
{
	for (;;) {
		set_pte(ptep, pte);
		if (--nr == 0)
			break;
		ptep++;
		pte = __pte(pte_val(pte) + PAGE_SIZE);
	}
}
