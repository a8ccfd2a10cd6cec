/*
 * c519c3c0a113 ("mm/kasan: avoid lazy MMU mode hazards"): the callbacks
 * leave lazy MMU mode for their PTE operations and enter it again, so the
 * PTE set is in the table before init_mm.page_table_lock is dropped.
 */
#include "../kasan/populate_vmalloc.h"

void kasan_pte_ops_begin(void)
{
	arch_leave_lazy_mmu_mode();
}

void kasan_pte_ops_end(void)
{
	arch_enter_lazy_mmu_mode();
}
