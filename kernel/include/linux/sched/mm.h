/*
 * Follows Linux v6.16 include/linux/sched/mm.h (subset): the two mm
 * reference counts and the lazy TLB references.
 *
 * mm_users counts users of the address space (mmget()/mmput()); the last
 * mmput() tears the address space down and drops the mm_count reference
 * all users share. mm_count counts references to the struct (mmgrab()/
 * mmdrop()); the last mmdrop() frees it (__mmdrop()). A CPU running a kernel
 * thread keeps the previous task's mm as its active_mm (lazy TLB): with
 * CONFIG_MMU_LAZY_TLB_REFCOUNT that is a counted reference; with
 * CONFIG_MMU_LAZY_TLB_SHOOTDOWN it is not, and __mmdrop() makes every CPU
 * in mm_cpumask() switch away first; with CONFIG_MMU_LAZY_TLB_HAZARD_PTR
 * (lmemu's name for Andy Lutomirski's 2021 patch, seed 003) each CPU
 * publishes the mm it uses lazily in rq->lazy_mm, and the last mmput()
 * turns those hazard pointers into mm_count references the CPUs drop later
 * (mm_unlazy_mm_count()); with none of them it is a dangling pointer
 * waiting to happen (seed 000).
 */
#ifndef _LINUX_SCHED_MM_H
#define _LINUX_SCHED_MM_H

#include <linux/kconfig.h>
#include <linux/mm_types.h>
#include <asm/barrier.h>

/* Kconfig: MMU_LAZY_TLB_REFCOUNT depends on !MMU_LAZY_TLB_SHOOTDOWN (and here on !HAZARD_PTR). */
#if defined(CONFIG_MMU_LAZY_TLB_SHOOTDOWN) || defined(CONFIG_MMU_LAZY_TLB_HAZARD_PTR)
#undef CONFIG_MMU_LAZY_TLB_REFCOUNT
#endif

struct mm_struct *mm_alloc(void);
void __mmdrop(struct mm_struct *mm);
void mmput(struct mm_struct *mm);
/* mmdrop() for contexts that may not free an mm (RCU callbacks): __mmdrop() runs from a worker. */
void mmdrop_async(struct mm_struct *mm);
void __mmdrop_struct(struct mm_struct *mm);
/* CONFIG_MMU_LAZY_TLB_HAZARD_PTR (kernel/sched/core.c). */
void mm_unlazy_mm_count(struct mm_struct *mm);
void lazy_mm_hazard_set(struct mm_struct *mm);
void lazy_mm_hazard_clear(struct mm_struct *mm);

static inline void mmgrab(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_count);
}

static inline void mmdrop(struct mm_struct *mm)
{
	/* The implicit full barrier of atomic_dec_and_test() orders the uses before the free. */
	if (atomic_dec_and_test(&mm->mm_count))
		__mmdrop(mm);
}

/*
 * A reference that keeps the mm_struct but not its pgd (seed 002's third
 * refcount, for ptrace's and mmget_not_zero()'s users): the last drop only
 * frees the struct, which takes no lock, so it may run in any context.
 */
static inline void mmgrab_struct(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_struct_refs);
}

static inline void mmdrop_struct(struct mm_struct *mm)
{
	if (atomic_dec_and_test(&mm->mm_struct_refs))
		__mmdrop_struct(mm);
}

/* mmdrop() here even under PREEMPT_RT, which defers it to RCU: there is no RCU. */
static inline void mmdrop_sched(struct mm_struct *mm)
{
	mmdrop(mm);
}

/*
 * A lazy reference, taken by the CPU that is about to use mm lazily and
 * dropped by the CPU that stopped. Andy Lutomirski's patch set and cleared
 * rq->lazy_mm in context_switch() only; lmemu's hazard-pointer mode does the
 * same for the other places that take or drop one (exit_mm(),
 * kthread_use_mm()/kthread_unuse_mm(), exec_mmap(), CPU hotplug), which his
 * later series reworked.
 */
static inline void mmgrab_lazy_tlb(struct mm_struct *mm)
{
	if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_REFCOUNT))
		mmgrab(mm);
	else if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR))
		lazy_mm_hazard_set(mm);
}

static inline void mmdrop_lazy_tlb(struct mm_struct *mm)
{
	if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_REFCOUNT))
		mmdrop(mm);
	else if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR))
		lazy_mm_hazard_clear(mm);
	else
		smp_mb();	/* what mmdrop()'s atomic would have ordered (membarrier) */
}

static inline void mmdrop_lazy_tlb_sched(struct mm_struct *mm)
{
	if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_REFCOUNT))
		mmdrop_sched(mm);
	else
		mmdrop_lazy_tlb(mm);
}

static inline void mmget(struct mm_struct *mm)
{
	atomic_inc(&mm->mm_users);
}

static inline bool mmget_not_zero(struct mm_struct *mm)
{
	return atomic_inc_not_zero(&mm->mm_users);
}

#endif
