/* Follows Linux mm/init-mm.c: the kernel's mm, whose pgd the host built. */
#include <linux/mm.h>

struct mm_struct init_mm = {
	.pgd = (pgd_t *)__va(LMEMU_SWAPPER_PGD_PHYS),
};
