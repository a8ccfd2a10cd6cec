/* Each variant of stale-tlb-unmap.toml supplies its own unmap order. */
#include <linux/mm.h>

void unmap_one(pte_t *ptep, unsigned long addr);
