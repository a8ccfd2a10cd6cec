/*
 * sparc64's lazy MMU hooks before a1d416bf9faf "sparc/mm: disable
 * preemption in lazy mmu mode": the batch is this CPU's, but nothing keeps
 * the task on this CPU while the section is open.
 */
#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/tlbflush_64.h>

void arch_enter_lazy_mmu_mode(void)
{
	struct tlb_batch *tb;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
	tb = &tlb_batch[smp_processor_id()];
	tb->active = 1;
}

void arch_leave_lazy_mmu_mode(void)
{
	struct tlb_batch *tb;

	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
	tb = &tlb_batch[smp_processor_id()];
	if (tb->tlb_nr)
		flush_tlb_pending();
	tb->active = 0;
}
