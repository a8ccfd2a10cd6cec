/* Clear, make it visible, invalidate, wait: the access that follows faults. */
#include "unmap.h"
#include <asm/tlbflush.h>

void unmap_one(pte_t *ptep, unsigned long addr)
{
	pte_clear(&init_mm, addr, ptep);
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
}
