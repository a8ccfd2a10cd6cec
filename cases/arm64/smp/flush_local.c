/* A local invalidation: correct on a uniprocessor, not here. */
#include <asm/tlbflush.h>
#include "flush.h"

void flush_one(unsigned long addr)
{
	dsb(ishst);
	__tlbi(vaale1, __TLBI_VADDR(addr, 0));
	dsb(nsh);
	isb();
}
