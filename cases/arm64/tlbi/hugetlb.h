/*
 * A contiguous-PTE huge page (CONT_PTE_SIZE, 16 entries) in the kernel's
 * address space, standing in for a hugetlb VMA (lmemu has no user space):
 * ASID 0, and the ISB a return to user space would give after the flush.
 */
#include <linux/mm.h>
#include <asm/tlbflush.h>

/* __flush_tlb_range() for the huge page's range, last-level entries only. */
static inline void hugetlb_flush_range(unsigned long start, unsigned long end, unsigned long stride,
				       int tlb_level)
{
	dsb(ishst);
	__flush_tlb_range_op(vale1is, start, (end - start) >> PAGE_SHIFT, stride, 0, tlb_level,
			     lpa2_is_enabled());
	dsb(ish);
	isb();
}

void flush_hugetlb_tlb_range(unsigned long start, unsigned long end, unsigned long huge_size);
