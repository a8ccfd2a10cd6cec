/* Leaves lazy MMU mode without having entered it. */
#include <linux/mm.h>

void misuse(void)
{
	lazy_mmu_mode_disable();
}
