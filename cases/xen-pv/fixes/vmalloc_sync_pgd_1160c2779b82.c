/*
 * 1160c2779b82 "x86-64: Fix the failure case in vmalloc_fault()": flush the
 * lazy MMU batch after set_pgd(), so the entry is there when it is read back.
 */
#include <linux/mm.h>

void vmalloc_sync_pgd(pgd_t *pgd, pgd_t *pgd_ref)
{
	set_pgd(pgd, *pgd_ref);
	arch_flush_lazy_mmu_mode();
}
