/*
 * Follows Linux include/linux/spinlock.h (subset) with a test-and-set
 * arch_spin_lock (Linux arm64 uses queued spinlocks; the ordering is the
 * same: acquire on lock, release on unlock). A waiter spins with
 * cpu_relax(), whose YIELD lets the host run another CPU.
 */
#ifndef __LINUX_SPINLOCK_H
#define __LINUX_SPINLOCK_H

#include <linux/compiler.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <asm/processor.h>
#include <lmemu/hypercall.h>

#define __RAW_SPIN_LOCK_UNLOCKED	{ 0 }
#define __SPIN_LOCK_UNLOCKED(x)		{ __RAW_SPIN_LOCK_UNLOCKED }
#define DEFINE_SPINLOCK(x)		spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
#define raw_spin_lock_init(l)		do { (l)->raw_lock = 0; } while (0)
#define spin_lock_init(l)		raw_spin_lock_init(&(l)->rlock)

static inline void arch_spin_lock(int *lock)
{
	while (__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE))
		while (READ_ONCE(*lock))
			cpu_relax();
}

static inline int arch_spin_trylock(int *lock)
{
	return !__atomic_exchange_n(lock, 1, __ATOMIC_ACQUIRE);
}

static inline void arch_spin_unlock(int *lock)
{
	__atomic_store_n(lock, 0, __ATOMIC_RELEASE);
}

/* raw_spin_*: the caller has preemption or interrupts off already. */
#define raw_spin_lock(l)	arch_spin_lock(&(l)->raw_lock)
#define raw_spin_trylock(l)	arch_spin_trylock(&(l)->raw_lock)
#define raw_spin_unlock(l)	arch_spin_unlock(&(l)->raw_lock)
#define raw_spin_is_locked(l)	(READ_ONCE((l)->raw_lock) != 0)

/*
 * CONFIG_LOCKDEP: the host checks in which contexts each spinlock_t is
 * taken (emu/lockdep.cpp); told before the lock is taken, so a recursive
 * acquisition is reported instead of spinning forever. Raw locks are not
 * tracked.
 */
#ifdef CONFIG_LOCKDEP
#define spin_acquire(l)	lmemu_hvc1(LMEMU_HVC_LOCK_ACQUIRE, (l))
#define spin_release(l)	lmemu_hvc1(LMEMU_HVC_LOCK_RELEASE, (l))
#else
#define spin_acquire(l)	do { } while (0)
#define spin_release(l)	do { } while (0)
#endif

#ifdef CONFIG_PREEMPT_RT
/*
 * PREEMPT_RT: spinlock_t is a sleeping lock (an rtmutex), so holding one
 * leaves preemption on. Here a waiter spins where RT's would sleep; the
 * _irqsave forms keep disabling interrupts, as raw locks do.
 */
#define spin_lock(l)		do { spin_acquire(l); raw_spin_lock(&(l)->rlock); } while (0)
#define spin_unlock(l)		do { raw_spin_unlock(&(l)->rlock); spin_release(l); } while (0)
#else
#define spin_lock(l)		do { preempt_disable(); spin_acquire(l); raw_spin_lock(&(l)->rlock); } while (0)
#define spin_unlock(l)		do { raw_spin_unlock(&(l)->rlock); spin_release(l); preempt_enable(); } while (0)
#endif
#define spin_lock_irqsave(l, flags) \
	do { local_irq_save(flags); preempt_disable(); spin_acquire(l); raw_spin_lock(&(l)->rlock); } while (0)
#define spin_unlock_irqrestore(l, flags) \
	do { raw_spin_unlock(&(l)->rlock); spin_release(l); local_irq_restore(flags); preempt_enable(); } while (0)
#define spin_is_locked(l)	raw_spin_is_locked(&(l)->rlock)

#endif
