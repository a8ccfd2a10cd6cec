/*
 * pmd_set_huge() before 15122ee2c515: the block is written whatever the
 * entry holds, even a live table.
 */
#include <linux/mm.h>

int pmd_set_huge(pmd_t *pmdp, phys_addr_t phys, pgprot_t prot)
{
	BUG_ON(phys & ~PMD_MASK);
	set_pmd(pmdp, pfn_pmd(phys >> PAGE_SHIFT, mk_pmd_sect_prot(prot)));
	return 1;
}
