/*
 * Follows Linux include/linux/kasan.h (subset): the explicit checks. Slab
 * objects are always checked here (linux/slab.h); other memory passes.
 */
#ifndef _LINUX_KASAN_H
#define _LINUX_KASAN_H

#include <linux/types.h>
#include <lmemu/hypercall.h>

/* False, after the report, if the byte at addr is in a freed or out-of-bounds slab area. */
static inline bool kasan_check_byte(const void *addr)
{
	return lmemu_hvc3(LMEMU_HVC_KASAN_CHECK, addr, 1, 0) != 0;
}

static inline bool kasan_check_read(const volatile void *p, unsigned int size)
{
	return lmemu_hvc3(LMEMU_HVC_KASAN_CHECK, p, size, 0) != 0;
}

static inline bool kasan_check_write(const volatile void *p, unsigned int size)
{
	return lmemu_hvc3(LMEMU_HVC_KASAN_CHECK, p, size, 1) != 0;
}

#endif
