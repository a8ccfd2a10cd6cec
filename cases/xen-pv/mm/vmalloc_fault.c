/*
 * 1160c2779b82's scenario: zap_pte_range() opens a lazy MMU section; inside
 * it, mem_cgroup_charge_statistics() touches per-CPU statistics in the
 * vmalloc area, which the process's top-level table does not map yet, and
 * x86-64's vmalloc_fault() (v3.9 arch/x86/mm/fault.c) copies init_mm's entry
 * in. On Xen PV that set_pgd() is queued in the multicall batch, so the
 * re-read of the entry finds it still empty, and the kernel BUGs.
 *
 * lmemu's kernel takes no vmalloc faults (arm64 maps the vmalloc area from
 * TTBR1 for every mm), so the section calls the fault handler's work where
 * the access would have faulted. vmalloc_fault() is v3.9's on arm64 tables
 * (the p4d level is folded, as there).
 */
#include <linux/mm.h>
#include <asm/pgalloc.h>

static pgd_t *task_pgd;	/* current->active_mm->pgd */

/* set_pgd(pgd, *pgd_ref) in v3.9; __weak so the fix can add its flush. */
__weak void vmalloc_sync_pgd(pgd_t *pgd, pgd_t *pgd_ref)
{
	set_pgd(pgd, *pgd_ref);
}

static noinline int vmalloc_fault(unsigned long address)
{
	pgd_t *pgd, *pgd_ref;
	pud_t *pud, *pud_ref;

	pgd = task_pgd + pgd_index(address);
	pgd_ref = pgd_offset_k(address);
	if (pgd_none(READ_ONCE(*pgd_ref)))
		return -1;

	if (pgd_none(READ_ONCE(*pgd)))
		vmalloc_sync_pgd(pgd, pgd_ref);
	else
		BUG_ON(p4d_page_paddr(*(p4d_t *)pgd) != p4d_page_paddr(*(p4d_t *)pgd_ref));

	/*
	 * Below here mismatches are bugs because these lower tables
	 * are shared:
	 */
	pud = pud_offset((p4d_t *)pgd, address);
	pud_ref = pud_offset((p4d_t *)pgd_ref, address);
	if (pud_none(READ_ONCE(*pud_ref)))
		return -1;

	if (pud_none(READ_ONCE(*pud)) || pud_page_paddr(*pud) != pud_page_paddr(*pud_ref))
		BUG();
	return 0;
}

void scenario(void)
{
	task_pgd = pgd_alloc(NULL);
	BUG_ON(!task_pgd);
	/* Something mapped in the vmalloc area: the per-CPU statistics. */
	BUG_ON(apply_to_page_range(&init_mm, VMALLOC_START, PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();		/* zap_pte_range() */
	BUG_ON(vmalloc_fault(VMALLOC_START));
	lazy_mmu_mode_disable();
}
