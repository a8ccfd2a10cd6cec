/*
 * __flush_tlb_kernel_pgtable() before 51696d346c49: the walk-cache
 * invalidation completes at the DSB, but without an ISB this CPU may still
 * walk through the freed table with instructions already in flight.
 */
#include <asm/tlbflush.h>

void flush_kernel_pgtable(unsigned long kaddr)
{
	unsigned long addr = __TLBI_VADDR(kaddr, 0);

	dsb(ishst);
	__tlbi(vaae1is, addr);
	dsb(ish);
}
