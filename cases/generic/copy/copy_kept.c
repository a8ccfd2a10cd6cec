/* Keeps the value it wrote: never reads an entry it has just set. */
#include <linux/mm.h>

pte_t copy_one_pte(pte_t *dst_pte, pte_t *src_pte, unsigned long addr)
{
	pte_t pte = ptep_get(src_pte);

	set_pte_at(&init_mm, addr, dst_pte, pte);
	return pte;
}
