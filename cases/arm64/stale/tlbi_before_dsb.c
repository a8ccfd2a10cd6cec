/*
 * The TLBI is issued before a DSB made the cleared entry visible to the
 * table walker, so the walker may refill the TLB from the old entry after
 * the invalidation: the flush does not count.
 */
#include "unmap.h"
#include <asm/tlbflush.h>

void unmap_one(pte_t *ptep, unsigned long addr)
{
	pte_clear(&init_mm, addr, ptep);
	__tlbi(vaale1is, __TLBI_VADDR(addr, 0));
	dsb(ish);
	isb();
}
