/*
 * A kernel range flush through __flush_tlb_range_op() (vaale1is, no level
 * hint), as flush_tlb_kernel_range() and KVM's stage-2 range flush issue it,
 * for up to MAX_TLBI_RANGE_PAGES pages. Included by a variant after it has
 * chosen its __TLBI_RANGE_NUM().
 */
#include <asm/tlbflush.h>

void flush_kernel_pages(unsigned long start, unsigned long pages)
{
	dsb(ishst);
	__flush_tlb_range_op(vaale1is, start, pages, PAGE_SIZE, 0, TLBI_TTL_UNKNOWN, false);
	dsb(ish);
	isb();
}
