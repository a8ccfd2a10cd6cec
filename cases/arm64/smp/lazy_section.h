#include <linux/mm.h>
#include <linux/smp.h>

#define VA_A	(VMALLOC_START + 300 * PAGE_SIZE)
#define VA_B	(VMALLOC_START + 301 * PAGE_SIZE)

/* What CPU 1 does while CPU 0 is inside its lazy section; one per variant. */
void callback(void *info);
