/* Follows Linux include/linux/build_bug.h (subset): compile-time checks in function bodies. */
#ifndef _LINUX_BUILD_BUG_H
#define _LINUX_BUILD_BUG_H

#define BUILD_BUG_ON_MSG(cond, msg)	do { _Static_assert(!(cond), msg); } while (0)
#define BUILD_BUG_ON(condition)		BUILD_BUG_ON_MSG(condition, "BUILD_BUG_ON failed: " #condition)
#define BUILD_BUG()			BUILD_BUG_ON_MSG(1, "BUILD_BUG failed")

#endif
