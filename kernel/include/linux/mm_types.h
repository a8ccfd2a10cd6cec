/* Follows Linux include/linux/mm_types.h (subset). */
#ifndef _LINUX_MM_TYPES_H
#define _LINUX_MM_TYPES_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <asm/pgtable-types.h>

/* LMEMU_STRUCT_PAGE_SIZE bytes: the host sizes mem_map with it. */
struct page {
	unsigned long flags;
	unsigned long private;		/* buddy order while allocated */
	atomic_t _refcount;
	int _mapcount;
	unsigned long __pad;
};

enum {
	MM_FILEPAGES,
	MM_ANONPAGES,
	MM_SWAPENTS,
	MM_SHMEMPAGES,
	NR_MM_COUNTERS
};

struct mm_struct {
	pgd_t *pgd;
	struct {
		atomic64_t id;		/* generation | ASID (arch/arm64/mm/context.c); 0: none yet */
		int switch_pending;	/* a deferred switch to this mm (arm's 2013 per-mm flag) */
	} context;
	/* Users of the address space (tasks, mmget()); the last mmput() tears it down. */
	atomic_t mm_users;
	/* References to the struct and its pgd (mmgrab()); mm_users counts as one. */
	atomic_t mm_count;
	/*
	 * References to the struct alone (mmgrab_struct()); mm_count counts as
	 * one. Jann Horn's 2020 RFC "mm: Add refcount for preserving mm_struct
	 * without pgd" (seed 002, not merged); the names are lmemu's.
	 */
	atomic_t mm_struct_refs;
	int map_count;		/* ranges lmemu_vm_mmap_populate() mapped, standing for VMAs */
	atomic_long_t pgtables_bytes;
	atomic_long_t rss_stat[NR_MM_COUNTERS];
	spinlock_t page_table_lock;
	/* CPUs this mm has been switched to (arm64 keeps none; lmemu's switch_mm() does, for shootdown). */
	struct cpumask cpu_bitmap;
	struct work_struct async_put_work;	/* mmdrop_async() */
};

_Static_assert(__builtin_offsetof(struct mm_struct, pgd) == LMEMU_MM_PGD_OFFSET,
	       "the host reads pgd at LMEMU_MM_PGD_OFFSET");
_Static_assert(__builtin_offsetof(struct mm_struct, context.id) == LMEMU_MM_CONTEXT_ID_OFFSET,
	       "the host reads context.id at LMEMU_MM_CONTEXT_ID_OFFSET");

#define mm_cpumask(mm)	(&(mm)->cpu_bitmap)

extern struct mm_struct init_mm;

/* The part of a VMA the TLB flush helpers use. */
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
};

#endif
