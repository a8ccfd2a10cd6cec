/* Populates a vmalloc "shadow" range and uses it. */
#include "populate.h"

void scenario(void)
{
	int i;

	BUG_ON(populate_shadow());
	for (i = 0; i < SHADOW_PAGES; i++)
		*(volatile unsigned long *)(SHADOW_START + i * PAGE_SIZE) = 0;
}
