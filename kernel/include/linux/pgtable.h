/*
 * Follows Linux include/linux/pgtable.h: the generic lazy MMU API.
 *
 * Under CONFIG_LAZY_MMU_GENERIC_V7_0 this is the v7.0 nesting-aware layer
 * (Kevin Brodsky's series, 291b3abed657): enable/disable count sections and
 * only the outermost calls the arch hooks; a nested disable flushes; pause
 * and resume leave and re-enter around code that must not be lazy. Under the
 * older policies lazy_mmu_mode_enable()/disable() are the arch hooks
 * themselves, which is what callers used before v7.0.
 *
 * Differs from Linux: __always_inline rather than inline, so the tracepoint's
 * hypercall sits in the caller and reports name where a section was opened.
 */
#ifndef _LINUX_PGTABLE_H
#define _LINUX_PGTABLE_H

#include <linux/mm_types.h>
#include <linux/sched.h>
#include <linux/printk.h>
#include <asm/pgtable.h>
#include <asm/pgalloc.h>

#ifdef CONFIG_LAZY_MMU_GENERIC_V7_0
static __always_inline void lazy_mmu_mode_enable(void)
{
	struct lazy_mmu_state *state = &current->lazy_mmu_state;

	if (in_interrupt() || state->pause_count > 0)
		return;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, 0);
	VM_WARN_ON_ONCE(state->enable_count == 0xff);

	if (state->enable_count++ == 0)
		arch_enter_lazy_mmu_mode();
}

static __always_inline void lazy_mmu_mode_disable(void)
{
	struct lazy_mmu_state *state = &current->lazy_mmu_state;

	if (in_interrupt() || state->pause_count > 0)
		return;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, 0);
	VM_WARN_ON_ONCE(state->enable_count == 0);

	if (--state->enable_count == 0)
		arch_leave_lazy_mmu_mode();
	else /* Exiting a nested section */
		arch_flush_lazy_mmu_mode();
}

static __always_inline void lazy_mmu_mode_pause(void)
{
	struct lazy_mmu_state *state = &current->lazy_mmu_state;

	if (in_interrupt())
		return;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_PAUSE, 0);
	VM_WARN_ON_ONCE(state->pause_count == 0xff);

	if (state->pause_count++ == 0 && state->enable_count > 0)
		arch_leave_lazy_mmu_mode();
}

static __always_inline void lazy_mmu_mode_resume(void)
{
	struct lazy_mmu_state *state = &current->lazy_mmu_state;

	if (in_interrupt())
		return;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_RESUME, 0);
	VM_WARN_ON_ONCE(state->pause_count == 0);

	if (--state->pause_count == 0 && state->enable_count > 0)
		arch_enter_lazy_mmu_mode();
}

static inline bool is_lazy_mmu_mode_active(void)
{
	struct lazy_mmu_state *state = &current->lazy_mmu_state;

	return !in_interrupt() && state->enable_count > 0 && state->pause_count == 0;
}
#else
#define lazy_mmu_mode_enable()	arch_enter_lazy_mmu_mode()
#define lazy_mmu_mode_disable()	arch_leave_lazy_mmu_mode()
#define is_lazy_mmu_mode_active() test_thread_flag(TIF_LAZY_MMU)
#endif

/* Maps nr consecutive pages from pte on (mm/pgtable-generic.c). */
void set_ptes(struct mm_struct *mm, unsigned long addr, pte_t *ptep, pte_t pte, unsigned int nr);
#define set_pte_at(mm, addr, ptep, pte)	set_ptes(mm, addr, ptep, pte, 1)

/* Architectures whose kernel page tables are copied per mm sync them; arm64's are shared. */
#ifndef ARCH_PAGE_TABLE_SYNC_MASK
#define ARCH_PAGE_TABLE_SYNC_MASK 0
#endif
static inline void arch_sync_kernel_mappings(unsigned long start, unsigned long end) { }

/* No p4d level of its own: never a huge p4d. */
static inline int p4d_clear_huge(p4d_t *p4d) { return 0; }

/*
 * An entry that should point to a table and does not: reported and cleared,
 * as mm/pgtable-generic.c's pmd_clear_bad() does.
 */
#define __CLEAR_BAD(level)								\
static inline int level##_none_or_clear_bad(level##_t *p)			\
{											\
	if (level##_none(READ_ONCE(*p)))						\
		return 1;								\
	if (unlikely(level##_bad(READ_ONCE(*p)))) {					\
		pr_err("bad " #level " %px(%016llx)\n", p, (unsigned long long)level##_val(READ_ONCE(*p))); \
		level##_clear(p);							\
		return 1;								\
	}										\
	return 0;									\
}
__CLEAR_BAD(pmd)
__CLEAR_BAD(pud)
#undef __CLEAR_BAD
static inline int p4d_none_or_clear_bad(p4d_t *p4d) { return p4d_none(READ_ONCE(*p4d)); }
static inline int pgd_none_or_clear_bad(pgd_t *pgd) { return pgd_none(READ_ONCE(*pgd)); }

static inline pmd_t *pmd_off_k(unsigned long va)
{
	return pmd_offset(pud_offset(p4d_offset(pgd_offset_k(va), va), va), va);
}

static inline pte_t *virt_to_kpte(unsigned long vaddr)
{
	pmd_t *pmd = pmd_off_k(vaddr);

	return pmd_none(*pmd) ? NULL : pte_offset_kernel(pmd, vaddr);
}

typedef unsigned int pgtbl_mod_mask;
#define PGTBL_PGD_MODIFIED	(1 << 0)
#define PGTBL_P4D_MODIFIED	(1 << 1)
#define PGTBL_PUD_MODIFIED	(1 << 2)
#define PGTBL_PMD_MODIFIED	(1 << 3)
#define PGTBL_PTE_MODIFIED	(1 << 4)

#define pgd_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PGDIR_SIZE) & PGDIR_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})
#define p4d_addr_end(addr, end)	(end)
#define pud_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PUD_SIZE) & PUD_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})
#define pmd_addr_end(addr, end)						\
({	unsigned long __boundary = ((addr) + PMD_SIZE) & PMD_MASK;	\
	(__boundary - 1 < (end) - 1) ? __boundary : (end);		\
})

#endif
