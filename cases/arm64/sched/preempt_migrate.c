/*
 * A task is preempted inside a lazy MMU section and resumes on another CPU
 * (the case injects the preemption when task_step() returns, with
 * migrate = 1). Its PTE write A was made on CPU 0 with the barriers
 * deferred: TIF_LAZY_MMU_PENDING travels with the task, so the leave on CPU
 * 1 emits dsb; isb there, but a DSB on CPU 1 does not make CPU 0's store
 * visible. Only the dsb(ish) in __switch_to() on CPU 0, when the task was
 * switched out, does: the comment on emit_pte_barriers() in v6.16 counts on
 * it. The read after the section, on CPU 1, goes through A.
 */
#include <linux/mm.h>
#include <linux/smp.h>

static unsigned long va = VMALLOC_START;
static struct page *page;

noinline void task_step(void)
{
	set_pte(virt_to_kpte(va), mk_pte(page, PAGE_KERNEL));
}

/* What the preempting thread does: it only has to run. */
void other_thread(void)
{
	pr_info("%s runs on CPU %d\n", current->comm, smp_processor_id());
}

void scenario(void)
{
	page = alloc_page(GFP_KERNEL);
	BUG_ON(apply_to_page_range(&init_mm, va, PAGE_SIZE, NULL, NULL));

	lazy_mmu_mode_enable();
	task_step();
	lazy_mmu_mode_disable();

	pr_info("scenario resumed on CPU %d\n", smp_processor_id());
	(void)READ_ONCE(*(unsigned long *)va);
}
