/*
 * Before 4b634918384c: the batch is completed by a dsb(ish) wherever the
 * task runs when it flushes, which is not the CPU that issued the TLBIs.
 */
#include "tlbbatch.h"
#include <asm/barrier.h>

void tlbbatch_flush_issuer(void)
{
}

void tlbbatch_flush_taker(void)
{
	dsb(ish);
}
