/* __TLBI_RANGE_NUM() since e3ba51ab24fd (the one in asm/tlbflush.h). */
#include "range_flush.h"
