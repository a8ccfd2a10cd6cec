/* After 7f0b1bf04511: set_pte() makes the entry visible (dsb ishst; isb) before anyone is told. */
#include "map.h"
#include <asm/barrier.h>

void map_and_publish(pte_t *ptep, pte_t pte, int *ready)
{
	set_pte(ptep, pte);
	smp_store_release(ready, 1);
}
