/*
 * The order of vunmap() done wrong: the caller keeps using the page between
 * clearing the entry and flushing the TLB (the access happens in the
 * scenario, after this returns; the flush comes later).
 */
#include "unmap.h"

void unmap_one(pte_t *ptep, unsigned long addr)
{
	pte_clear(&init_mm, addr, ptep);
}
