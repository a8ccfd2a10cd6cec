/* Follows Linux mm/init-mm.c: the kernel's mm, whose pgd the host built. */
#include <linux/mm.h>

struct mm_struct init_mm = {
	.pgd = (pgd_t *)__va(LMEMU_SWAPPER_PGD_PHYS),
	.mm_users = ATOMIC_INIT(2),
	.mm_count = ATOMIC_INIT(1),
};
