/* Guest side of the lmemu hypercall ABI (see lmemu/machine.h). */
#ifndef LMEMU_HYPERCALL_H
#define LMEMU_HYPERCALL_H

#include <lmemu/machine.h>

#define __lmemu_hvc(nr, a0, a1, a2) ({					\
	register unsigned long __x0 __asm__("x0") = (unsigned long)(a0); \
	register unsigned long __x1 __asm__("x1") = (unsigned long)(a1); \
	register unsigned long __x2 __asm__("x2") = (unsigned long)(a2); \
	__asm__ __volatile__("hvc %3"					\
			     : "+r"(__x0)				\
			     : "r"(__x1), "r"(__x2), "i"(nr)		\
			     : "memory");				\
	__x0;								\
})

#define lmemu_hvc0(nr)			__lmemu_hvc(nr, 0, 0, 0)
#define lmemu_hvc1(nr, a0)		__lmemu_hvc(nr, a0, 0, 0)
#define lmemu_hvc2(nr, a0, a1)		__lmemu_hvc(nr, a0, a1, 0)
#define lmemu_hvc3(nr, a0, a1, a2)	__lmemu_hvc(nr, a0, a1, a2)

#endif
