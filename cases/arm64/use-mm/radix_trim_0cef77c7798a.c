/*
 * The mm_cpumask trimming of 0cef77c7798a ("powerpc/64s/radix: flush remote
 * CPUs out of single-threaded mm_cpumask", v5.8), before a665eec0a22e: the
 * handler takes current->mm == mm for the sender and does nothing, and the
 * sender resets the mask to itself (mm_reset_thread_local()) after the IPIs.
 * In arm64 terms, as mm-cpumask-trim-vs-use-mm.toml writes powerpc radix.
 */
#include <linux/cpumask.h>
#include <linux/sched/mm.h>
#include <linux/smp.h>
#include <asm/barrier.h>
#include <asm/mmu_context.h>
#include <asm/tlbflush.h>

void do_exit_flush_lazy_tlb(void *arg)
{
	struct mm_struct *mm = arg;

	if (current->mm == mm)
		return;	/* Local CPU */
	if (current->active_mm == mm) {
		/* Must be a kernel thread because sender is single-threaded. */
		BUG_ON(current->mm);
		mmgrab_lazy_tlb(&init_mm);
		switch_mm(mm, &init_mm, current);
		current->active_mm = &init_mm;
		mmdrop_lazy_tlb(mm);
	}
	dsb(nshst);
	__tlbi(aside1, __TLBI_VADDR(0, ASID(mm)));
	dsb(nsh);
	isb();
}

/* mm_reset_thread_local(): the mm is this CPU's alone from now on. */
void exit_flush_lazy_tlbs(struct mm_struct *mm)
{
	smp_call_function_many(mm_cpumask(mm), do_exit_flush_lazy_tlb, mm, 1);
	cpumask_clear(mm_cpumask(mm));
	cpumask_set_cpu(smp_processor_id(), mm_cpumask(mm));
}
