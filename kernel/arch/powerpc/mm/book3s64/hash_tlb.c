/*
 * Follows Linux v6.16 arch/powerpc/mm/book3s64/hash_tlb.c and the lazy MMU
 * hooks of asm/book3s/64/tlbflush-hash.h, for the ppc64-hash arch model
 * (CONFIG_LMEMU_ARCH_PPC64_HASH). Lazy MMU mode is the CPU's batch being
 * active; it disables preemption since b9ef323ea168, because the batch is
 * the CPU's, not the task's. The hooks are out of line and __weak (static
 * inline in Linux) so a case can put back the ones before that fix, and
 * trace themselves to the host as the arm64 ones do.
 */
#ifdef CONFIG_LMEMU_ARCH_PPC64_HASH

#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include <asm/book3s/64/tlbflush-hash.h>

struct ppc64_tlb_batch ppc64_tlb_batch[NR_CPUS];

_Static_assert(__builtin_offsetof(struct ppc64_tlb_batch, active) == LMEMU_PPC64_TLB_BATCH_ACTIVE, "the host reads active at LMEMU_PPC64_TLB_BATCH_ACTIVE");
_Static_assert(__builtin_offsetof(struct ppc64_tlb_batch, index) == LMEMU_PPC64_TLB_BATCH_INDEX, "the host reads index at LMEMU_PPC64_TLB_BATCH_INDEX");

__weak void arch_enter_lazy_mmu_mode(void)
{
	struct ppc64_tlb_batch *batch;

#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
	/*
	 * apply_to_page_range can call us this preempt enabled when
	 * operating on kernel page tables.
	 */
	preempt_disable();
	batch = &ppc64_tlb_batch[smp_processor_id()];
	batch->active = 1;
}

__weak void arch_leave_lazy_mmu_mode(void)
{
	struct ppc64_tlb_batch *batch;

#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	batch = &ppc64_tlb_batch[smp_processor_id()];
	if (batch->index)
		__flush_tlb_pending(batch);
	batch->active = 0;
	preempt_enable();
}

/* #define arch_flush_lazy_mmu_mode() do {} while (0) */
__weak void arch_flush_lazy_mmu_mode(void)
{
}

/* flush_hash_page(): the one page's hash entry and TLB entries, broadcast. */
static void flush_hash_page(struct mm_struct *mm, unsigned long addr)
{
	flush_tlb_one_mm(mm, addr);
}

/*
 * A PTE is being changed from what `pte` held: flush its translation now
 * or, in lazy MMU mode, queue it in this CPU's batch.
 */
void hpte_need_flush(struct mm_struct *mm, unsigned long addr, unsigned long pte)
{
	struct ppc64_tlb_batch *batch;
	unsigned long i;

	preempt_disable();	/* get_cpu_var() */
	batch = &ppc64_tlb_batch[smp_processor_id()];
	i = batch->index;
	addr &= PAGE_MASK;

	/*
	 * Check if we have an active batch on this CPU. If not, just
	 * flush now and return.
	 */
	if (!batch->active) {
		flush_hash_page(mm, addr);
		preempt_enable();
		return;
	}

	/* One mm per batch (Linux: also one page and segment size). */
	if (i != 0 && mm != batch->mm) {
		__flush_tlb_pending(batch);
		i = 0;
	}
	if (i == 0)
		batch->mm = mm;
	batch->vaddr[i] = addr;
	batch->index = ++i;
	if (i >= PPC64_TLB_BATCH_NR)
		__flush_tlb_pending(batch);
	preempt_enable();
}

void __flush_tlb_pending(struct ppc64_tlb_batch *batch)
{
	unsigned long i;

	for (i = 0; i < batch->index; i++)
		flush_hash_page(batch->mm, batch->vaddr[i]);
	batch->index = 0;
}

#endif /* CONFIG_LMEMU_ARCH_PPC64_HASH */
