/*
 * Follows Linux v6.16 kernel/fork.c (subset): copy_process() for kernel
 * threads, and the mm_struct's allocation, reference counts and freeing. Task structs come from a fixed table of LMEMU_MAX_TASKS slots;
 * each slot's stack is mapped by the host the first time it is used
 * (LMEMU_HVC_TASK_STACK), standing in for alloc_thread_stack_node()'s
 * vmalloc, so creating a thread adds no page-table stores of its own.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/printk.h>
#include <linux/bug.h>
#include <asm/pgalloc.h>
#include <asm/mmu_context.h>

/* Not static: CONFIG_MM_INVARIANTS tells the host where they are (kernel/sched/core.c). */
struct task_struct task_table[LMEMU_MAX_TASKS] __aligned(64);
int task_slot_used[LMEMU_MAX_TASKS];

int copy_thread(struct task_struct *p, int (*fn)(void *), void *arg);

static struct task_struct *dup_task_struct(void)
{
	unsigned long flags, top;
	struct task_struct *p = NULL;
	int i;

	local_irq_save(flags);
	for (i = 0; i < LMEMU_MAX_TASKS; i++) {
		if (!task_slot_used[i]) {
			task_slot_used[i] = 1;
			p = &task_table[i];
			break;
		}
	}
	local_irq_restore(flags);
	if (!p)
		return NULL;

	top = lmemu_hvc1(LMEMU_HVC_TASK_STACK, i);
	memset(p, 0, sizeof(*p));
	p->slot = i;
	p->stack = (void *)(top - LMEMU_STACK_SIZE);
	return p;
}

void put_task_struct(struct task_struct *t)
{
	if (t->slot >= 0)
		WRITE_ONCE(task_slot_used[t->slot], 0);
}

struct task_struct *copy_process(int (*fn)(void *), void *arg, const char *name)
{
	struct task_struct *p = dup_task_struct();
	int i;

	if (!p)
		return NULL;
	for (i = 0; name[i] && i < TASK_COMM_LEN - 1; i++)
		p->comm[i] = name[i];
	p->__state = TASK_UNINTERRUPTIBLE;
	p->migrate_to = -1;
	p->threadfn = fn;
	p->data = arg;
	p->mm = NULL;
	p->active_mm = NULL;	/* a kernel thread borrows one at its first switch */
	task_thread_info(p)->cpu = smp_processor_id();
	task_thread_info(p)->preempt_count = FORK_PREEMPT_COUNT;
	copy_thread(p, fn, arg);
	return p;
}

/*
 * The mm_struct's life (v6.16 kernel/fork.c): mm_alloc(), mmput() and
 * __mmdrop(). __mmput()'s exit_mmap() (mm/mmap.c) unmaps what a scenario
 * populated; there are no VMAs, files or binfmts to put.
 */
static struct kmem_cache *mm_cachep;

void mm_cache_init(void)
{
	mm_cachep = kmem_cache_create("mm_struct", sizeof(struct mm_struct), 0, SLAB_HWCACHE_ALIGN | SLAB_PANIC, NULL);
}

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = kmem_cache_zalloc(mm_cachep, GFP_KERNEL);

	if (!mm)
		return NULL;
	atomic_set(&mm->mm_users, 1);
	atomic_set(&mm->mm_count, 1);
	atomic_set(&mm->mm_struct_refs, 1);
	spin_lock_init(&mm->page_table_lock);
	mm->pgd = pgd_alloc(mm);
	if (!mm->pgd) {
		kmem_cache_free(mm_cachep, mm);
		return NULL;
	}
	return mm;
}

static const char *const resident_page_types[NR_MM_COUNTERS] = {
	"MM_FILEPAGES", "MM_ANONPAGES", "MM_SWAPENTS", "MM_SHMEMPAGES",
};

static void check_mm(struct mm_struct *mm)
{
	int i;

	for (i = 0; i < NR_MM_COUNTERS; i++) {
		long x = atomic_long_read(&mm->rss_stat[i]);

		if (x)
			pr_alert("BUG: Bad rss-counter state mm:%p type:%s val:%ld\n", mm, resident_page_types[i], x);
	}
	if (atomic_long_read(&mm->pgtables_bytes))
		pr_alert("BUG: non-zero pgtables_bytes on freeing mm: %ld\n", atomic_long_read(&mm->pgtables_bytes));
}

static void do_shoot_lazy_tlb(void *arg)
{
	struct mm_struct *mm = arg;

	if (current->active_mm == mm) {
		WARN_ON_ONCE(current->mm);
		current->active_mm = &init_mm;
		switch_mm(mm, &init_mm, current);
	}
}

/* With MMU_LAZY_TLB_SHOOTDOWN: no CPU may still use mm lazily once it is freed. */
static void cleanup_lazy_tlbs(struct mm_struct *mm)
{
	if (!IS_ENABLED(CONFIG_MMU_LAZY_TLB_SHOOTDOWN))
		return;	/* refcounted: no lazy user is left by now (or, with neither, unsafe) */
	on_each_cpu_mask(mm_cpumask(mm), do_shoot_lazy_tlb, (void *)mm, 1);
}

/* Called when the last reference to the mm is dropped. */
void __mmdrop(struct mm_struct *mm)
{
	BUG_ON(mm == &init_mm);
	WARN_ON_ONCE(mm == current->mm);

	/* Ensure no CPUs are using this as their lazy tlb mm */
	cleanup_lazy_tlbs(mm);

	WARN_ON_ONCE(mm == current->active_mm);
	pgd_free(mm, mm->pgd);
	check_mm(mm);
	mmdrop_struct(mm);	/* mm_count's one reference to the struct */
}

void __mmdrop_struct(struct mm_struct *mm)
{
	kmem_cache_free(mm_cachep, mm);
}

static void mmdrop_async_fn(struct work_struct *work)
{
	__mmdrop(container_of(work, struct mm_struct, async_put_work));
}

void mmdrop_async(struct mm_struct *mm)
{
	if (atomic_dec_and_test(&mm->mm_count)) {
		INIT_WORK(&mm->async_put_work, mmdrop_async_fn);
		schedule_work(&mm->async_put_work);
	}
}

void mmput(struct mm_struct *mm)
{
	might_sleep();
	if (atomic_dec_and_test(&mm->mm_users)) {
		/* __mmput() */
		exit_mmap(mm);
		if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR))
			mm_unlazy_mm_count(mm);
		mmdrop(mm);
	}
}
