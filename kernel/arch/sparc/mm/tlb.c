/*
 * Follows Linux v6.16 arch/sparc/mm/tlb.c and the lazy MMU hooks of
 * asm/tlbflush_64.h, for the sparc64 arch model (CONFIG_LMEMU_ARCH_SPARC64).
 * Lazy MMU mode is the CPU's batch being active; the batch holds one mm's
 * flushes and is flushed when another mm's comes, and lazy MMU mode
 * disables preemption since a1d416bf9faf. The hooks are out of line and
 * __weak so a case can put back the ones before that fix, and trace
 * themselves to the host as the arm64 ones do. Huge pages and the TSB are
 * not modelled: a flush is the TLB invalidation of one page.
 */
#ifdef CONFIG_LMEMU_ARCH_SPARC64

#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include <asm/tlbflush_64.h>

struct tlb_batch tlb_batch[NR_CPUS];

_Static_assert(__builtin_offsetof(struct tlb_batch, tlb_nr) == LMEMU_SPARC64_TLB_BATCH_NR, "the host reads tlb_nr at LMEMU_SPARC64_TLB_BATCH_NR");
_Static_assert(__builtin_offsetof(struct tlb_batch, active) == LMEMU_SPARC64_TLB_BATCH_ACTIVE, "the host reads active at LMEMU_SPARC64_TLB_BATCH_ACTIVE");

__weak void arch_enter_lazy_mmu_mode(void)
{
	struct tlb_batch *tb;

#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
	preempt_disable();
	tb = &tlb_batch[smp_processor_id()];
	tb->active = 1;
}

__weak void arch_leave_lazy_mmu_mode(void)
{
	struct tlb_batch *tb;

#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	tb = &tlb_batch[smp_processor_id()];
	if (tb->tlb_nr)
		flush_tlb_pending();
	tb->active = 0;
	preempt_enable();
}

/* #define arch_flush_lazy_mmu_mode() do {} while (0) */
__weak void arch_flush_lazy_mmu_mode(void)
{
}

/* global_flush_tlb_page() */
static void global_flush_tlb_page(struct mm_struct *mm, unsigned long vaddr)
{
	flush_tlb_one_mm(mm, vaddr);
}

void flush_tlb_pending(void)
{
	struct tlb_batch *tb;
	unsigned long i;

	preempt_disable();	/* get_cpu_var() */
	tb = &tlb_batch[smp_processor_id()];
	for (i = 0; i < tb->tlb_nr; i++)
		global_flush_tlb_page(tb->mm, tb->vaddrs[i]);
	tb->tlb_nr = 0;
	preempt_enable();
}

/* tlb_batch_add_one() */
void tlb_batch_add(struct mm_struct *mm, unsigned long vaddr, unsigned long orig)
{
	struct tlb_batch *tb;
	unsigned long nr;

	preempt_disable();	/* get_cpu_var() */
	tb = &tlb_batch[smp_processor_id()];
	vaddr &= PAGE_MASK;
	nr = tb->tlb_nr;

	if (nr != 0 && mm != tb->mm) {
		flush_tlb_pending();
		nr = 0;
	}

	if (!tb->active) {
		global_flush_tlb_page(mm, vaddr);
		goto out;
	}

	if (nr == 0)
		tb->mm = mm;

	tb->vaddrs[nr] = vaddr;
	tb->tlb_nr = ++nr;
	if (nr >= TLB_BATCH_NR)
		flush_tlb_pending();

out:
	preempt_enable();
}

#endif /* CONFIG_LMEMU_ARCH_SPARC64 */
