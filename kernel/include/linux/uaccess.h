/*
 * Follows Linux v6.16 include/linux/uaccess.h (get_user() and put_user()).
 *
 * Differs from Linux: PAN is not modelled, so these are plain EL1 loads and
 * stores through TTBR0, and there is no exception table: an access that
 * faults ends the run with the model's verdict (a stale TLB entry, an
 * unmapped address) instead of returning -EFAULT, which is what a scenario
 * touching user memory is there to see.
 */
#ifndef _LINUX_UACCESS_H
#define _LINUX_UACCESS_H

#include <linux/compiler.h>

#define get_user(x, ptr)	({ (x) = READ_ONCE(*(ptr)); 0; })
#define put_user(x, ptr)	({ WRITE_ONCE(*(ptr), (x)); 0; })

#endif
