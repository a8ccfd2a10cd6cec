/*
 * __TLBI_RANGE_NUM() before e3ba51ab24fd: masking before subtracting one
 * turns NUM 31 (with SCALE 3, MAX_TLBI_RANGE_PAGES) into -1 at every scale,
 * and the loop walks scale below zero before it encodes anything.
 */
#include <linux/bits.h>

#define TLBI_RANGE_MASK			GENMASK_ULL(4, 0)
#define __TLBI_RANGE_NUM(pages, scale)	\
	((((pages) >> (5 * (scale) + 1)) & TLBI_RANGE_MASK) - 1)

#include "range_flush.h"
