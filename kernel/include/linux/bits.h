/* Follows Linux include/linux/bits.h (subset). */
#ifndef __LINUX_BITS_H
#define __LINUX_BITS_H

#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))

#endif
