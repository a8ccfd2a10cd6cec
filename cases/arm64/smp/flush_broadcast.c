/* flush_tlb_kernel_range(): TLBI VAALE1IS, completed by DSB ISH. */
#include <asm/tlbflush.h>
#include "flush.h"

void flush_one(unsigned long addr)
{
	flush_tlb_kernel_range(addr, addr + PAGE_SIZE);
}
