/*
 * The flush is split as flush_tlb_kernel_range() is inside (dsb ishst;
 * tlbi; dsb ish; isb) and the unmap is announced between the TLBI and the
 * DSB that completes it: a reader that acts on the announcement may still
 * hold the old translation.
 */
#include "unmap.h"
#include <asm/tlbflush.h>
#include <asm/barrier.h>

void unmap_and_publish(pte_t *ptep, unsigned long addr, int *unmapped)
{
	pte_clear(&init_mm, addr, ptep);
	dsb(ishst);
	__tlbi(vaale1is, __TLBI_VADDR(addr, 0));
	smp_store_release(unmapped, 1);
	dsb(ish);
	isb();
}
