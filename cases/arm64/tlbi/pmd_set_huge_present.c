/*
 * pmd_set_huge() as 15122ee2c515 first wrote it: any present entry is
 * refused, permission updates of a live block included; 82034c23fcbc
 * narrowed the check to pgattr_change_is_safe().
 */
#include <linux/mm.h>

int pmd_set_huge(pmd_t *pmdp, phys_addr_t phys, pgprot_t prot)
{
	/* ioremap_page_range doesn't honour BBM */
	if (pmd_present(READ_ONCE(*pmdp)))
		return 0;

	BUG_ON(phys & ~PMD_MASK);
	set_pmd(pmdp, pfn_pmd(phys >> PAGE_SHIFT, mk_pmd_sect_prot(prot)));
	return 1;
}
