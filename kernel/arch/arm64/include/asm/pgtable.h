/*
 * Follows Linux v6.16 arch/arm64/include/asm/pgtable.h: kernel page-table
 * accessors and arm64 lazy MMU mode ("arm64/mm: Batch barriers when updating
 * kernel mappings", 5fdd05efa1cd, with 1ef3095b1405 permitting nesting).
 *
 * Differences from Linux, on purpose:
 *  - only what kernel (init_mm) mappings need: no contpte, no user PTEs;
 *  - the lazy MMU hooks follow the nesting policy the case selects
 *    (CONFIG_LAZY_MMU_*), so one source tree serves every policy;
 *  - under the xen-pv arch model (CONFIG_LMEMU_ARCH_XEN_PV) every entry is
 *    set through the hypervisor, as Xen PV's pvops do (arch/x86/xen/mmu_pv.c),
 *    and the lazy MMU hooks are Xen's; under ppc64-hash and sparc64
 *    (LMEMU_ARCH_TLB_BATCH) a store needs no barrier, clearing an entry
 *    queues the flush of what it held in the CPU's batch, and the lazy MMU
 *    hooks are those of arch/powerpc/mm/book3s64/hash_tlb.c or arch/sparc/mm/tlb.c;
 *  - under s390 (CONFIG_LMEMU_ARCH_S390) a store needs no barrier either, and
 *    in lazy MMU mode set_pte(), pte_clear() and ptep_get() go through the
 *    CPU's PTE cache (arch/s390/mm/ipte_batch.c);
 *  - the lazy MMU hooks are out of line and __weak (arch/arm64/mm/lazy_mmu.c)
 *    so a case can replace them; each reports itself to the host
 *    (lmemu_trace_lazy_mmu), the way a tracepoint would, so lmemu can check
 *    nesting and count lost batching. Verdicts never depend on it: they come
 *    from the stores, barriers and TLBIs the host observes.
 */
#ifndef __ASM_PGTABLE_H
#define __ASM_PGTABLE_H

#include <linux/compiler.h>
#include <linux/bits.h>
#include <linux/instruction_pointer.h>
#include <linux/types.h>
#include <linux/bug.h>
#include <linux/sched.h>
#include <linux/mm_types.h>
#include <asm/barrier.h>
#include <asm/page.h>
#include <asm/pgtable-hwdef.h>
#include <asm/pgtable-prot.h>
#include <lmemu/hypercall.h>

/* The arch model (lazymmu/arch_model.h): arm64 unless the case picks another. */
#if defined(CONFIG_LMEMU_ARCH_XEN_PV)
#include <asm/xen/hypervisor.h>
#elif defined(CONFIG_LMEMU_ARCH_PPC64_HASH)
#include <asm/book3s/64/tlbflush-hash.h>
#define LMEMU_ARCH_TLB_BATCH 1
#elif defined(CONFIG_LMEMU_ARCH_SPARC64)
#include <asm/tlbflush_64.h>
#define LMEMU_ARCH_TLB_BATCH 1
#elif defined(CONFIG_LMEMU_ARCH_S390)
#include <asm/ipte_batch.h>
#elif !defined(CONFIG_LMEMU_ARCH_ARM64)
#define CONFIG_LMEMU_ARCH_ARM64 1
#endif

/* The table walker reads the tables as stored: no barriers after a store. */
#if defined(LMEMU_ARCH_TLB_BATCH) || defined(CONFIG_LMEMU_ARCH_S390)
#define LMEMU_ARCH_STORES_VISIBLE 1
#endif

#if !defined(CONFIG_LAZY_MMU_ARM64_V6_15) && !defined(CONFIG_LAZY_MMU_ARM64_V6_16) && \
    !defined(CONFIG_LAZY_MMU_GENERIC_V7_0) && !defined(CONFIG_LAZY_MMU_NO_NESTING)
#define CONFIG_LAZY_MMU_ARM64_V6_16 1
#endif

struct mm_struct;

#define pte_pfn(pte)		((pte_val(pte) & PTE_ADDR_LOW) >> PAGE_SHIFT)
#define pfn_pte(pfn, prot)	__pte(((phys_addr_t)(pfn) << PAGE_SHIFT) | pgprot_val(prot))
#define mk_pte(page, prot)	pfn_pte(page_to_pfn(page), prot)
#define __pte_to_phys(pte)	(pte_val(pte) & PTE_ADDR_LOW)

#define pte_none(pte)		(!pte_val(pte))
#define pte_valid(pte)		(!!(pte_val(pte) & PTE_VALID))
#define pte_present(pte)	pte_valid(pte)
#define pte_user(pte)		(!!(pte_val(pte) & PTE_USER))
#define pte_write(pte)		(!!(pte_val(pte) & PTE_WRITE))
#define pte_rdonly(pte)		(!!(pte_val(pte) & PTE_RDONLY))
/* Kernel entries: arm64 only needs barriers for these when they become valid. */
#define pte_valid_not_user(pte) \
	((pte_val(pte) & (PTE_VALID | PTE_USER | PTE_UXN)) == (PTE_VALID | PTE_UXN))

static inline pte_t clear_pte_bit(pte_t pte, pgprot_t prot)
{
	pte_val(pte) &= ~pgprot_val(prot);
	return pte;
}

static inline pte_t set_pte_bit(pte_t pte, pgprot_t prot)
{
	pte_val(pte) |= pgprot_val(prot);
	return pte;
}

static inline pte_t pte_mkvalid(pte_t pte) { return set_pte_bit(pte, __pgprot(PTE_VALID)); }
static inline pte_t pte_mkinvalid(pte_t pte) { return clear_pte_bit(pte, __pgprot(PTE_VALID)); }
static inline pte_t pte_mkcont(pte_t pte) { return set_pte_bit(pte, __pgprot(PTE_CONT)); }
static inline pte_t pte_mknoncont(pte_t pte) { return clear_pte_bit(pte, __pgprot(PTE_CONT)); }
static inline pte_t pte_wrprotect(pte_t pte)
{
	pte = clear_pte_bit(pte, __pgprot(PTE_WRITE));
	return set_pte_bit(pte, __pgprot(PTE_RDONLY));
}
#define pte_cont(pte)		(!!(pte_val(pte) & PTE_CONT))
#define pte_young(pte)		(!!(pte_val(pte) & PTE_AF))
#define pte_dirty(pte)		(!!(pte_val(pte) & PTE_DIRTY) || (pte_write(pte) && !pte_rdonly(pte)))
static inline pte_t pte_mkyoung(pte_t pte) { return set_pte_bit(pte, __pgprot(PTE_AF)); }
static inline pte_t pte_mkold(pte_t pte) { return clear_pte_bit(pte, __pgprot(PTE_AF)); }
static inline pte_t pte_mkwrite_novma(pte_t pte)
{
	pte = set_pte_bit(pte, __pgprot(PTE_WRITE));
	if (pte_val(pte) & PTE_DIRTY)
		pte = clear_pte_bit(pte, __pgprot(PTE_RDONLY));
	return pte;
}
static inline pte_t pte_mkdirty(pte_t pte)
{
	pte = set_pte_bit(pte, __pgprot(PTE_DIRTY));
	if (pte_write(pte))
		pte = clear_pte_bit(pte, __pgprot(PTE_RDONLY));
	return pte;
}
static inline pte_t pte_mkclean(pte_t pte)
{
	pte = clear_pte_bit(pte, __pgprot(PTE_DIRTY));
	return set_pte_bit(pte, __pgprot(PTE_RDONLY));
}
static inline pte_t pte_mkexec(pte_t pte) { return clear_pte_bit(pte, __pgprot(PTE_PXN)); }

/*
 * Tells the host about a lazy MMU API call made at `ip`: _RET_IP_ from an
 * out-of-line hook (the caller is what matters), 0 from inline code (the
 * hypercall's own PC, which is in the caller).
 */
static inline void lmemu_trace_lazy_mmu(int event, unsigned long ip)
{
	lmemu_hvc2(LMEMU_HVC_LAZY_MMU, event, ip);
}

static inline void emit_pte_barriers(void)
{
	/*
	 * These barriers are emitted under certain conditions after a pte entry
	 * was modified (see e.g. __set_pte_complete()). The dsb makes the store
	 * visible to the table walker. The isb ensures that any previous
	 * speculative "invalid translation" marker that is in the CPU's
	 * pipeline gets cleared, so that any access to that address after
	 * setting the pte to valid won't cause a spurious fault.
	 */
	dsb(ishst);
	isb();
}

/*
 * Out of line and __weak here (static inline in Linux), with the lazy MMU
 * hooks in arch/arm64/mm/lazy_mmu.c, so a case can replace all four: the
 * "before" cell of b81c688426a9 is the set without the in_interrupt() checks.
 */
void queue_pte_barriers(void);

/*
 * The lazy MMU hooks are out of line and __weak here (static inline in
 * Linux), so a case can replace them: see arch/arm64/mm/lazy_mmu.c.
 */
void arch_enter_lazy_mmu_mode(void);
void arch_flush_lazy_mmu_mode(void);
void arch_leave_lazy_mmu_mode(void);

#ifdef CONFIG_LMEMU_ARCH_XEN_PV
/* The hypervisor makes the update visible before it returns: no barriers. */
static inline void __set_pte_nosync(pte_t *ptep, pte_t pte)
{
	xen_set_pte(ptep, pte);
}

static inline void __set_pte_complete(pte_t pte)
{
}
#elif defined(LMEMU_ARCH_STORES_VISIBLE)
/* The walker reads the table as stored: no barriers. */
static inline void __set_pte_nosync(pte_t *ptep, pte_t pte)
{
#ifdef CONFIG_LMEMU_ARCH_S390
	if (ipte_batch_set_pte(ptep, pte, 0))
		return;
#endif
	WRITE_ONCE(*ptep, pte);
}

static inline void __set_pte_complete(pte_t pte)
{
}
#else
static inline void __set_pte_nosync(pte_t *ptep, pte_t pte)
{
	WRITE_ONCE(*ptep, pte);
}

static inline void __set_pte_complete(pte_t pte)
{
	/*
	 * Only if the new pte is valid and kernel, otherwise TLB maintenance
	 * has the necessary barriers.
	 */
	if (pte_valid_not_user(pte))
		queue_pte_barriers();
}
#endif

static inline void __set_pte(pte_t *ptep, pte_t pte)
{
	__set_pte_nosync(ptep, pte);
	__set_pte_complete(pte);
}

static inline pte_t __ptep_get(pte_t *ptep)
{
#ifdef CONFIG_LMEMU_ARCH_S390
	return ipte_batch_ptep_get(ptep);
#else
	return READ_ONCE(*ptep);
#endif
}

static inline void __pte_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
#if defined(CONFIG_LMEMU_ARCH_S390)
	/* Outside lazy MMU mode the caller flushes, as with arm64's pte_clear(). */
	if (!ipte_batch_set_pte(ptep, __pte(0), addr))
		WRITE_ONCE(*ptep, __pte(0));
#elif defined(LMEMU_ARCH_TLB_BATCH)
	/* pte_update(): the store, then the flush of what it replaced, batched in lazy MMU mode. */
	pte_t old = __ptep_get(ptep);

	WRITE_ONCE(*ptep, __pte(0));
	if (pte_valid(old))
		arch_tlb_batch_add(mm, addr, old);
#else
	__set_pte(ptep, __pte(0));
#endif
}

#define set_pte(ptep, pte)		__set_pte(ptep, pte)
#define ptep_get(ptep)			__ptep_get(ptep)
#define pte_clear(mm, addr, ptep)	__pte_clear(mm, addr, ptep)

/* Linux swaps atomically (hardware AF/DBM updates race with it); kernel entries here have none. */
static inline pte_t ptep_get_and_clear(struct mm_struct *mm, unsigned long addr, pte_t *ptep)
{
	pte_t pte = __ptep_get(ptep);

#ifdef CONFIG_LMEMU_ARCH_XEN_PV
	/* x86's xchg on a read-only table: Xen traps and emulates it at once, lazy or not. */
	WRITE_ONCE(*ptep, __pte(0));
#else
	__pte_clear(mm, addr, ptep);
#endif
	return pte;
}

/* Table levels. */
#define pmd_none(pmd)		(!pmd_val(pmd))
#define pmd_valid(pmd)		(!!(pmd_val(pmd) & PTE_VALID))
#define pmd_present(pmd)	pmd_valid(pmd)
#define pmd_table(pmd)		((pmd_val(pmd) & PMD_TYPE_MASK) == PMD_TYPE_TABLE)
#define pmd_bad(pmd)		(!pmd_table(pmd))
#define pmd_leaf(pmd)		(pmd_present(pmd) && !pmd_table(pmd))
#define pud_none(pud)		(!pud_val(pud))
#define pud_valid(pud)		(!!(pud_val(pud) & PTE_VALID))
#define pud_present(pud)	pud_valid(pud)
#define pud_table(pud)		((pud_val(pud) & PMD_TYPE_MASK) == PMD_TYPE_TABLE)
#define pud_bad(pud)		(!pud_table(pud))
#define pud_leaf(pud)		(pud_present(pud) && !pud_table(pud))
#define p4d_none(p4d)		(!p4d_val(p4d))
#define p4d_bad(p4d)		((p4d_val(p4d) & P4D_TYPE_TABLE) != P4D_TYPE_TABLE)
#define p4d_present(p4d)	(!!(p4d_val(p4d) & PTE_VALID))
#define pgd_none(pgd)		(!pgd_val(pgd))
#define pgd_bad(pgd)		(0)
#define pgd_present(pgd)	(1)

static inline void set_pmd(pmd_t *pmdp, pmd_t pmd)
{
#ifdef CONFIG_LMEMU_ARCH_XEN_PV
	xen_set_pmd(pmdp, pmd);
#else
	WRITE_ONCE(*pmdp, pmd);

#ifndef LMEMU_ARCH_STORES_VISIBLE
	if (pmd_valid(pmd))
		queue_pte_barriers();
#endif
#endif
}

static inline void pmd_clear(pmd_t *pmdp) { set_pmd(pmdp, __pmd(0)); }

/* Blocks (sections) and contiguous ranges at the pmd level. */
#define pmd_sect(pmd)		((pmd_val(pmd) & PMD_TYPE_MASK) == PMD_TYPE_SECT)
#define pmd_cont(pmd)		(!!(pmd_val(pmd) & PMD_SECT_CONT))
#define pfn_pmd(pfn, prot)	__pmd(((phys_addr_t)(pfn) << PAGE_SHIFT) | pgprot_val(prot))
#define mk_pmd_sect_prot(prot)	__pgprot((pgprot_val(prot) & ~PMD_TABLE_BIT) | PMD_TYPE_SECT)
static inline pmd_t pmd_mkcont(pmd_t pmd) { return __pmd(pmd_val(pmd) | PMD_SECT_CONT); }
static inline pmd_t pmd_mknoncont(pmd_t pmd) { return __pmd(pmd_val(pmd) & ~PMD_SECT_CONT); }
#define pmd_pfn(pmd)		((pmd_val(pmd) & PTE_ADDR_LOW) >> PAGE_SHIFT)
#define pmd_pgprot(pmd)		__pgprot(pmd_val(pmd) & ~PTE_ADDR_LOW)
#define pmdp_get(pmdp)		READ_ONCE(*(pmdp))
#define pud_pfn(pud)		((pud_val(pud) & PTE_ADDR_LOW) >> PAGE_SHIFT)
#define pud_pgprot(pud)		__pgprot(pud_val(pud) & ~PTE_ADDR_LOW)
#define pudp_get(pudp)		READ_ONCE(*(pudp))
#define p4dp_get(p4dp)		READ_ONCE(*(p4dp))
#define pgdp_get(pgdp)		READ_ONCE(*(pgdp))
#define pud_sect(pud)		((pud_val(pud) & PMD_TYPE_MASK) == PUD_TYPE_SECT)
#define pfn_pud(pfn, prot)	__pud(((phys_addr_t)(pfn) << PAGE_SHIFT) | pgprot_val(prot))
#define mk_pud_sect_prot(prot)	__pgprot((pgprot_val(prot) & ~PMD_TABLE_BIT) | PUD_TYPE_SECT)

/* arch/arm64/mm/mmu.c, out of line and __weak so a case can put back older code. */
bool pgattr_change_is_safe(u64 old, u64 new);
int pmd_set_huge(pmd_t *pmdp, phys_addr_t phys, pgprot_t prot);
int pud_set_huge(pud_t *pudp, phys_addr_t phys, pgprot_t prot);
int pmd_clear_huge(pmd_t *pmdp);
int pud_clear_huge(pud_t *pudp);
int pud_free_pmd_page(pud_t *pudp, unsigned long addr);
#define pgprot_nx(prot)		__pgprot((pgprot_val(prot) & ~PTE_MAYBE_GP) | PTE_PXN)
int pmd_free_pte_page(pmd_t *pmdp, unsigned long addr);
int split_kernel_leaf_mapping(unsigned long start, unsigned long end);
/* static in Linux; here so a case can put back an older split_kernel_leaf_mapping(). */
int split_kernel_leaf_mapping_locked(unsigned long addr);
bool force_pte_mapping(void);

static inline void set_pud(pud_t *pudp, pud_t pud)
{
#ifdef CONFIG_LMEMU_ARCH_XEN_PV
	xen_set_pud(pudp, pud);
#else
	WRITE_ONCE(*pudp, pud);

#ifndef LMEMU_ARCH_STORES_VISIBLE
	if (pud_valid(pud))
		queue_pte_barriers();
#endif
#endif
}

static inline void pud_clear(pud_t *pudp) { set_pud(pudp, __pud(0)); }
#define p4d_clear(p4dp)	set_p4d((p4dp), __p4d(0))

static inline void set_p4d(p4d_t *p4dp, p4d_t p4d)
{
#ifdef CONFIG_LMEMU_ARCH_XEN_PV
	xen_set_p4d(p4dp, p4d);
#else
	WRITE_ONCE(*(pgd_t *)p4dp, p4d.pgd);
	dsb(ishst);
	isb();
#endif
}
#define set_pgd(pgdp, pgd)	set_p4d((p4d_t *)(pgdp), (p4d_t){ pgd })

#define pte_index(addr)		(((addr) >> PAGE_SHIFT) & (PTRS_PER_PTE - 1))
#define pmd_index(addr)		(((addr) >> PMD_SHIFT) & (PTRS_PER_PMD - 1))
#define pud_index(addr)		(((addr) >> PUD_SHIFT) & (PTRS_PER_PUD - 1))
#define pgd_index(addr)		(((addr) >> PGDIR_SHIFT) & (PTRS_PER_PGD - 1))

#define pmd_page_paddr(pmd)	(pmd_val(pmd) & PTE_ADDR_LOW)
#define pud_page_paddr(pud)	(pud_val(pud) & PTE_ADDR_LOW)
#define p4d_page_paddr(p4d)	(p4d_val(p4d) & PTE_ADDR_LOW)

static inline pte_t *pte_offset_kernel(pmd_t *pmd, unsigned long address)
{
	return (pte_t *)__va(pmd_page_paddr(READ_ONCE(*pmd))) + pte_index(address);
}

static inline pmd_t *pmd_offset(pud_t *pud, unsigned long address)
{
	return (pmd_t *)__va(pud_page_paddr(READ_ONCE(*pud))) + pmd_index(address);
}

static inline pud_t *pud_offset(p4d_t *p4d, unsigned long address)
{
	return (pud_t *)__va(p4d_page_paddr(READ_ONCE(*p4d))) + pud_index(address);
}

/* p4d is folded: it is the pgd entry itself. */
static inline p4d_t *p4d_offset(pgd_t *pgd, unsigned long address)
{
	return (p4d_t *)pgd;
}

#define pgd_offset_pgd(pgd, addr)	((pgd) + pgd_index(addr))
#define pgd_offset(mm, addr)		pgd_offset_pgd((mm)->pgd, (addr))
#define pgd_offset_k(addr)		pgd_offset(&init_mm, (addr))

static inline void __pmd_populate(pmd_t *pmdp, phys_addr_t ptep, pmdval_t prot)
{
	set_pmd(pmdp, __pmd(ptep | prot));
}

static inline void __pud_populate(pud_t *pudp, phys_addr_t pmdp, pudval_t prot)
{
	set_pud(pudp, __pud(pmdp | prot));
}

static inline void __p4d_populate(p4d_t *p4dp, phys_addr_t pudp, p4dval_t prot)
{
	set_p4d(p4dp, __p4d(pudp | prot));
}

#endif /* __ASM_PGTABLE_H */
