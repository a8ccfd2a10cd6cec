/*
 * Follows Linux include/asm-generic/bug.h (subset). BUG and WARN are
 * reported to the host, which records the location and a backtrace; WARN
 * carries on as Linux does.
 */
#ifndef _LINUX_BUG_H
#define _LINUX_BUG_H

#include <linux/compiler.h>
#include <lmemu/hypercall.h>

#define __WARN_COND(cond_str) \
	lmemu_hvc3(LMEMU_HVC_WARN, (unsigned long)__FILE__, __LINE__, (unsigned long)(cond_str))

#define WARN_ON(condition) ({						\
	int __ret_warn_on = !!(condition);				\
	if (unlikely(__ret_warn_on))					\
		__WARN_COND("WARN_ON(" #condition ")");		\
	unlikely(__ret_warn_on);					\
})

/* Warns the first time only, as Linux's: a flag per call site. */
#define WARN_ON_ONCE(condition) ({					\
	static int __warned;						\
	int __ret_warn_once = !!(condition);				\
	if (unlikely(__ret_warn_once && !__warned)) {			\
		__warned = 1;						\
		__WARN_COND("WARN_ON_ONCE(" #condition ")");		\
	}								\
	unlikely(__ret_warn_once);					\
})
#define WARN(condition, fmt...)	WARN_ON(condition)
#define WARN_ONCE(condition, fmt...) WARN_ON_ONCE(condition)
#define VM_WARN_ON(condition)	((void)WARN_ON(condition))
#define VM_WARN_ON_ONCE(condition) ((void)WARN_ON_ONCE(condition))

#define BUG() do {							\
	lmemu_hvc3(LMEMU_HVC_BUG, (unsigned long)__FILE__, __LINE__, (unsigned long)"BUG()"); \
	__builtin_unreachable();					\
} while (0)

#define BUG_ON(condition) do {						\
	if (unlikely(condition)) {					\
		lmemu_hvc3(LMEMU_HVC_BUG, (unsigned long)__FILE__, __LINE__, \
			   (unsigned long)"BUG_ON(" #condition ")");	\
		__builtin_unreachable();				\
	}								\
} while (0)

#define VM_BUG_ON(condition)	BUG_ON(condition)

#endif
