/*
 * After 4b634918384c (flush_tlb_mm() in arch_flush_tlb_batched_pending()):
 * the invalidation is completed by a DSB on the CPU that issued it.
 */
#include "tlbbatch.h"
#include <asm/barrier.h>

void tlbbatch_flush_issuer(void)
{
	dsb(ish);
}

void tlbbatch_flush_taker(void)
{
}
