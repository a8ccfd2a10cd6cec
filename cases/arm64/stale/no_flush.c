/* The entry is cleared and made visible, but no TLBI follows. */
#include "unmap.h"

void unmap_one(pte_t *ptep, unsigned long addr)
{
	pte_clear(&init_mm, addr, ptep);
	dsb(ishst);
}
