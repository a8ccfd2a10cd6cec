/*
 * ioremap_pmd_range() since 785a19f9d1dd: a table left under the pmd is
 * taken out (pmd_clear, walk-cache TLBI, free) before the block goes in.
 */
#include <linux/mm.h>

int ioremap_pmd_free_table(pmd_t *pmdp, unsigned long addr)
{
	return !pmd_present(READ_ONCE(*pmdp)) || pmd_sect(READ_ONCE(*pmdp)) || pmd_free_pte_page(pmdp, addr);
}
