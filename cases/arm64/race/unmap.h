/* Each variant of unmap-publish-before-flush.toml orders the unmap and its announcement its own way. */
#include <linux/mm.h>

/* Unmaps addr and stores 1 to *unmapped to say so. */
void unmap_and_publish(pte_t *ptep, unsigned long addr, int *unmapped);
