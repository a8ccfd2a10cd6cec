/* flush_hugetlb_tlb_range() since eed6bfa8b282: each size with its level, else TLBI_TTL_UNKNOWN. */
#include "hugetlb.h"

void flush_hugetlb_tlb_range(unsigned long start, unsigned long end, unsigned long stride)
{
	switch (stride) {
	case PUD_SIZE:
		hugetlb_flush_range(start, end, PUD_SIZE, 1);
		break;
	case CONT_PMD_SIZE:
	case PMD_SIZE:
		hugetlb_flush_range(start, end, PMD_SIZE, 2);
		break;
	case CONT_PTE_SIZE:
		hugetlb_flush_range(start, end, PAGE_SIZE, 3);
		break;
	default:
		hugetlb_flush_range(start, end, PAGE_SIZE, TLBI_TTL_UNKNOWN);
	}
}
