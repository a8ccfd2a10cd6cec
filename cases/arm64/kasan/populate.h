#include <linux/mm.h>

#define SHADOW_START	(VMALLOC_START + 128 * PAGE_SIZE)
#define SHADOW_PAGES	4

/* Maps SHADOW_PAGES fresh pages at SHADOW_START; each variant its own way. */
int populate_shadow(void);
