/* The unmap is announced only once the invalidation has completed. */
#include "unmap.h"
#include <asm/tlbflush.h>
#include <asm/barrier.h>

void unmap_and_publish(pte_t *ptep, unsigned long addr, int *unmapped)
{
	pte_clear(&init_mm, addr, ptep);
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
	smp_store_release(unmapped, 1);
}
