/* Enters lazy MMU mode and returns without leaving it. */
#include <linux/mm.h>

void misuse(void)
{
	lazy_mmu_mode_enable();
}
