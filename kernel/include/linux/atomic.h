/*
 * Follows Linux include/linux/atomic.h (the common subset): atomic_t and
 * atomic_long_t operations, xchg() and cmpxchg(), with Linux's orderings —
 * value-returning operations fully ordered, the rest relaxed — as GCC/clang
 * atomic builtins. On several CPUs each is a scheduling point.
 */
#ifndef _LINUX_ATOMIC_H
#define _LINUX_ATOMIC_H

#include <linux/compiler.h>
#include <linux/types.h>

typedef struct { long counter; } atomic_long_t;

#define ATOMIC_INIT(i)		{ (i) }

#define xchg(ptr, v)		__atomic_exchange_n((ptr), (v), __ATOMIC_SEQ_CST)
#define xchg_relaxed(ptr, v)	__atomic_exchange_n((ptr), (v), __ATOMIC_RELAXED)
/* cmpxchg(): returns the value found, which equals `old` if the swap happened. */
#define cmpxchg(ptr, old, new) ({					\
	__typeof__(*(ptr)) __old = (old);				\
	__atomic_compare_exchange_n((ptr), &__old, (new), 0,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);\
	__old;								\
})
#define cmpxchg_relaxed(ptr, old, new) ({				\
	__typeof__(*(ptr)) __old = (old);				\
	__atomic_compare_exchange_n((ptr), &__old, (new), 0,		\
				    __ATOMIC_RELAXED, __ATOMIC_RELAXED);\
	__old;								\
})

#define __ATOMIC_OPS(prefix, type)						\
static inline type prefix##_read(const prefix##_t *v) { return READ_ONCE(v->counter); } \
static inline void prefix##_set(prefix##_t *v, type i) { WRITE_ONCE(v->counter, i); } \
static inline void prefix##_add(type i, prefix##_t *v) { __atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void prefix##_sub(type i, prefix##_t *v) { __atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED); } \
static inline void prefix##_inc(prefix##_t *v) { prefix##_add(1, v); }	\
static inline void prefix##_dec(prefix##_t *v) { prefix##_sub(1, v); }	\
static inline type prefix##_add_return(type i, prefix##_t *v)		\
{ return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline type prefix##_sub_return(type i, prefix##_t *v)		\
{ return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline type prefix##_fetch_add(type i, prefix##_t *v)		\
{ return __atomic_fetch_add(&v->counter, i, __ATOMIC_SEQ_CST); }	\
static inline type prefix##_inc_return(prefix##_t *v) { return prefix##_add_return(1, v); } \
static inline type prefix##_dec_return(prefix##_t *v) { return prefix##_sub_return(1, v); } \
static inline bool prefix##_dec_and_test(prefix##_t *v) { return prefix##_dec_return(v) == 0; } \
static inline bool prefix##_inc_and_test(prefix##_t *v) { return prefix##_inc_return(v) == 0; } \
static inline type prefix##_xchg(prefix##_t *v, type i) { return xchg(&v->counter, i); } \
static inline type prefix##_cmpxchg(prefix##_t *v, type old, type new) { return cmpxchg(&v->counter, old, new); } \
static inline bool prefix##_try_cmpxchg(prefix##_t *v, type *old, type new) \
{ return __atomic_compare_exchange_n(&v->counter, old, new, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); } \
static inline bool prefix##_add_unless(prefix##_t *v, type a, type u)	\
{									\
	type c = prefix##_read(v);					\
	do {								\
		if (c == u)						\
			return false;					\
	} while (!prefix##_try_cmpxchg(v, &c, c + a));			\
	return true;							\
}									\
static inline bool prefix##_inc_not_zero(prefix##_t *v) { return prefix##_add_unless(v, 1, 0); }

__ATOMIC_OPS(atomic, int)
__ATOMIC_OPS(atomic_long, long)
__ATOMIC_OPS(atomic64, long long)
#undef __ATOMIC_OPS

#endif
