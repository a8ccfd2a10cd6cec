/*
 * Kernel set_pte() after 24fe1b0efad4 ("arm64: Remove unnecessary ISBs from
 * set_{pte,pmd,pud}") and before its revert, d0b7a302d58a: the DSB makes the
 * new entry visible to the table walker, but with no ISB the CPU may still
 * use an "invalid" result it walked speculatively, and fault.
 */
#include <linux/mm.h>

void queue_pte_barriers(void)
{
	dsb(ishst);
}
