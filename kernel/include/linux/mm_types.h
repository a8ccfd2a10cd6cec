/* Follows Linux include/linux/mm_types.h (subset). */
#ifndef _LINUX_MM_TYPES_H
#define _LINUX_MM_TYPES_H

#include <linux/types.h>
#include <asm/pgtable-types.h>

/* LMEMU_STRUCT_PAGE_SIZE bytes: the host sizes mem_map with it. */
struct page {
	unsigned long flags;
	unsigned long private;		/* buddy order while allocated */
	atomic_t _refcount;
	int _mapcount;
	unsigned long __pad;
};

struct mm_struct {
	pgd_t *pgd;
	spinlock_t page_table_lock;
};

extern struct mm_struct init_mm;

/* The part of a VMA the TLB flush helpers use. */
struct vm_area_struct {
	struct mm_struct *vm_mm;
	unsigned long vm_start, vm_end;
};

#endif
