/* 4f06b0436b2d: CPA flushes lazy MMU mode before it reads and after it writes. */
#include <linux/mm.h>

void cpa_flush_lazy_mmu(void)
{
	arch_flush_lazy_mmu_mode();
}
