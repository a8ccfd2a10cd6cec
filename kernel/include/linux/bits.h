/* Follows Linux include/linux/bits.h (subset). */
#ifndef __LINUX_BITS_H
#define __LINUX_BITS_H

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))
#define GENMASK(h, l)		(((~0UL) << (l)) & (~0UL >> (63 - (h))))
#define GENMASK_ULL(h, l)	(((~0ULL) << (l)) & (~0ULL >> (63 - (h))))

/* include/linux/bitfield.h */
#define FIELD_PREP(mask, val)	(((unsigned long long)(val) << __builtin_ctzll(mask)) & (mask))
#define FIELD_GET(mask, reg)	(((reg) & (mask)) >> __builtin_ctzll(mask))

#endif
