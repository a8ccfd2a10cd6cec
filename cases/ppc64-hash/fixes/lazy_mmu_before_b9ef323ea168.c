/*
 * powerpc's lazy MMU hooks before b9ef323ea168 "powerpc/64s: Disable
 * preemption in hash lazy mmu mode": the batch is this CPU's, but nothing
 * keeps the task on this CPU while the section is open.
 */
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/book3s/64/tlbflush-hash.h>

void arch_enter_lazy_mmu_mode(void)
{
	struct ppc64_tlb_batch *batch;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
	batch = &ppc64_tlb_batch[smp_processor_id()];
	batch->active = 1;
}

void arch_leave_lazy_mmu_mode(void)
{
	struct ppc64_tlb_batch *batch;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
	batch = &ppc64_tlb_batch[smp_processor_id()];
	if (batch->index)
		__flush_tlb_pending(batch);
	batch->active = 0;
}
