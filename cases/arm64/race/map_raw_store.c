/*
 * Before 7f0b1bf04511: a kernel set_pte() was a plain store, and the
 * barrier came later (here: after the mapping was handed over). Another
 * CPU that uses the mapping before that DSB can walk the old, invalid entry.
 */
#include "map.h"
#include <asm/barrier.h>

void map_and_publish(pte_t *ptep, pte_t pte, int *ready)
{
	WRITE_ONCE(*(pteval_t *)ptep, pte_val(pte));
	smp_store_release(ready, 1);
	dsb(ishst);
	isb();
}
