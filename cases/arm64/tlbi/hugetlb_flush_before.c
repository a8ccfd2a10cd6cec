/*
 * flush_hugetlb_tlb_range() before eed6bfa8b282: contiguous sizes fall
 * through to the default, whose "level unknown" is still 0 from before
 * c910f2b65518 made TLBI_TTL_UNKNOWN the unknown value. With FEAT_LPA2, a
 * level-0 hint is a real level, so the level-3 entries stay in the TLB.
 */
#include "hugetlb.h"

void flush_hugetlb_tlb_range(unsigned long start, unsigned long end, unsigned long stride)
{
	switch (stride) {
	case PUD_SIZE:
		hugetlb_flush_range(start, end, PUD_SIZE, 1);
		break;
	case PMD_SIZE:
		hugetlb_flush_range(start, end, PMD_SIZE, 2);
		break;
	default:
		hugetlb_flush_range(start, end, PAGE_SIZE, 0);
	}
}
