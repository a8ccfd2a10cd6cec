/* __flush_tlb_kernel_pgtable() since 51696d346c49: dsb; tlbi; dsb; isb. */
#include <asm/tlbflush.h>

void flush_kernel_pgtable(unsigned long kaddr)
{
	__flush_tlb_kernel_pgtable(kaddr);
}
