/* ioremap_pmd_range() before 785a19f9d1dd: nothing frees a table left under the pmd. */
#include <linux/mm.h>

int ioremap_pmd_free_table(pmd_t *pmdp, unsigned long addr)
{
	return 1;
}
