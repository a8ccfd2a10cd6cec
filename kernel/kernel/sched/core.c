/*
 * Follows Linux v6.16 kernel/sched/core.c and init/init_task.c (subset): the
 * boot task, one idle task per secondary CPU, per-CPU run queues,
 * schedule(), context_switch() with its lazy TLB mm handling (active_mm
 * handed from task to task, rq->prev_mm dropped in finish_task_switch()),
 * and preemption. CONFIG_LAZY_TLB_CHECK_ACTIVE_MM is lmemu's, not Linux's:
 * Andy Lutomirski's kasan_check_byte(prev->active_mm) from seed 000.
 *
 * Differs from Linux:
 *  - one first-in-first-out class, no priorities; a switch happens only at
 *    schedule(), at a preemption (an injected interrupt sets
 *    TIF_NEED_RESCHED), when a task blocks or exits, or when a task is woken
 *    onto another CPU: wakeup_preempt() always says yes there, so that CPU's
 *    reschedule IPI (scheduler_ipi()) preempts what it runs, at the
 *    interrupt's return or, with preemption off, at preempt_enable();
 *  - the run-queue lock guards the queue only, not the whole switch, so
 *    context_switch() waits for the next task's on_cpu to clear (as
 *    try_to_wake_up() does) before running it; as in Linux, a task's state
 *    and whether __schedule() takes it off its CPU (deactivated) are
 *    decided under the run-queue lock, which wake_up_process() takes too;
 *  - the boot CPU has no idle task of its own: the scenario runs as
 *    init_task there, and when it blocks with nothing else to run, the CPU
 *    waits for an interrupt inside __schedule();
 *  - a preemption may move the preempted task to another CPU
 *    (task->migrate_to, set by an injected preemption with `migrate`),
 *    standing in for the load balancer;
 *  - a CPU going offline gives its queued tasks to an online CPU when it
 *    stops taking interrupts (sched_cpu_dying()'s migrate_tasks(), as before
 *    v5.11's balance_push()), and a task woken or preempted on an offline
 *    CPU goes to the first online one (select_fallback_rq()).
 *
 * CONFIG_MMU_LAZY_TLB_HAZARD_PTR is Andy Lutomirski's June 2021 patch as
 * Peter Zijlstra posted it (seed 003): rq->lazy_mm is a hazard pointer to
 * the mm this CPU uses lazily, rq->drop_mm an mm_count reference a remote
 * mm_unlazy_mm_count() left for this CPU to drop.
 */
#include <linux/kernel.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/irqflags.h>
#include <linux/pgtable.h>
#include <linux/mm_types.h>
#include <linux/spinlock.h>
#include <linux/kasan.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <asm/mmu_context.h>

struct task_struct init_task __aligned(64) = {
	.comm = "swapper/0",
	.mm = NULL,
	.active_mm = &init_mm,
	.migrate_to = -1,
	.slot = -1,
	.on_cpu = 1,
};

static struct task_struct secondary_tasks[LMEMU_MAX_CPUS - 1] __aligned(64) = {
	{ .thread_info.cpu = 1, .comm = "swapper/1", .active_mm = &init_mm, .migrate_to = -1, .slot = -1, .on_cpu = 1 },
	{ .thread_info.cpu = 2, .comm = "swapper/2", .active_mm = &init_mm, .migrate_to = -1, .slot = -1, .on_cpu = 1 },
	{ .thread_info.cpu = 3, .comm = "swapper/3", .active_mm = &init_mm, .migrate_to = -1, .slot = -1, .on_cpu = 1 },
};

/* The host points each CPU's sp_el0 (`current`) at its entry when it boots. */
struct task_struct *const cpu_tasks[LMEMU_MAX_CPUS] = {
	&init_task, &secondary_tasks[0], &secondary_tasks[1], &secondary_tasks[2],
};

struct rq {
	raw_spinlock_t lock;
	struct task_struct *idle;	/* NULL on the boot CPU */
	struct task_struct *head, *tail;	/* queued, not counting the running task */
	struct mm_struct *prev_mm;	/* a lazy mm to drop once the switch is done */
	struct mm_struct *lazy_mm;	/* HAZARD_PTR: the mm this CPU uses lazily */
	struct mm_struct *drop_mm;	/* HAZARD_PTR: a reference to drop once done with it */
};

static struct rq runqueues[LMEMU_MAX_CPUS];

#define cpu_rq(cpu)	(&runqueues[(cpu)])
#define this_rq()	cpu_rq(smp_processor_id())

#ifdef CONFIG_MM_INVARIANTS
extern struct task_struct task_table[LMEMU_MAX_TASKS];
extern int task_slot_used[LMEMU_MAX_TASKS];

/* Catalin Marinas' kernel-tla ctxsw invariants, checked by the host at every step. */
const struct lmemu_mm_invariants lmemu_mm_invariants = {
	.task_table = (unsigned long)task_table,
	.task_slot_used = (unsigned long)task_slot_used,
	.nr_task_slots = LMEMU_MAX_TASKS,
	.task_size = sizeof(struct task_struct),
	.cpu_tasks = (unsigned long)cpu_tasks,
	.runqueues = (unsigned long)runqueues,
	.rq_size = sizeof(struct rq),
	.rq_prev_mm = __builtin_offsetof(struct rq, prev_mm),
	.rq_lazy_mm = __builtin_offsetof(struct rq, lazy_mm),
	.rq_drop_mm = __builtin_offsetof(struct rq, drop_mm),
	.task_mm = __builtin_offsetof(struct task_struct, mm),
	.task_active_mm = __builtin_offsetof(struct task_struct, active_mm),
	.mm_users = __builtin_offsetof(struct mm_struct, mm_users),
	.mm_count = __builtin_offsetof(struct mm_struct, mm_count),
	.init_mm = (unsigned long)&init_mm,
	.lazy_refcount = IS_ENABLED(CONFIG_MMU_LAZY_TLB_REFCOUNT),
};
#endif

void sched_init(void)
{
	int cpu;

	/* The boot task's and every idle task's active_mm is init_mm, each a lazy reference. */
	mmgrab_lazy_tlb(&init_mm);
	for (cpu = 1; cpu < LMEMU_MAX_CPUS; cpu++) {
		cpu_rq(cpu)->idle = cpu_tasks[cpu];
		mmgrab_lazy_tlb(&init_mm);	/* arm64's secondary_start_kernel() mmgrab()s it */
	}
}

static void enqueue_task(struct rq *rq, struct task_struct *p)
{
	p->run_next = NULL;
	if (rq->tail)
		rq->tail->run_next = p;
	else
		rq->head = p;
	rq->tail = p;
	p->on_rq = 1;
}

static struct task_struct *pick_next_task(struct rq *rq)
{
	struct task_struct *p = rq->head;

	if (!p)
		return NULL;
	rq->head = p->run_next;
	if (!rq->head)
		rq->tail = NULL;
	p->on_rq = 0;
	return p;
}

int cpu_has_queued_tasks(int cpu)
{
	return READ_ONCE(cpu_rq(cpu)->head) != NULL;
}

static void set_task_cpu(struct task_struct *p, int cpu)
{
	WRITE_ONCE(task_thread_info(p)->cpu, cpu);
}

/* Queues p on its CPU (an online one) and, if that is another CPU, sends it a reschedule IPI. */
static void activate_task(struct task_struct *p)
{
	int cpu = task_cpu(p);
	struct rq *rq;

	if (cpu_is_offline(cpu)) {	/* select_fallback_rq() */
		cpu = cpumask_first(cpu_online_mask);
		set_task_cpu(p, cpu);
	}
	rq = cpu_rq(cpu);

	raw_spin_lock(&rq->lock);
	enqueue_task(rq, p);
	raw_spin_unlock(&rq->lock);
	if (cpu != smp_processor_id())
		smp_send_reschedule(cpu);
}

/*
 * The reschedule IPI. Linux's resched_curr() sets TIF_NEED_RESCHED on the
 * remote CPU's task before sending it; here the target sets it on itself,
 * if a task is queued for it, and the interrupt return preempts.
 */
void scheduler_ipi(void)
{
	if (cpu_has_queued_tasks(smp_processor_id()))
		set_tsk_need_resched(current);
}

/*
 * try_to_wake_up(), decided under p's run-queue lock, as __schedule()
 * decides whether p blocks: queued (on_rq) or still running before that
 * decision, setting the state is the whole wake-up (ttwu_runnable());
 * deactivated and still leaving its CPU, the waker waits for on_cpu to clear
 * (smp_cond_load_acquire(&p->on_cpu, !VAL)) and queues it. Reading on_cpu
 * without the lock lost the wake-up of a task between the decision and the
 * end of its switch: it was neither queued nor running.
 */
int wake_up_process(struct task_struct *p)
{
	struct rq *rq = cpu_rq(task_cpu(p));
	unsigned long flags;
	int woken = 0, queue = 0, kick = -1;

	local_irq_save(flags);
	rcu_read_lock();	/* select_task_rq()'s domain walk */
	raw_spin_lock(&rq->lock);
	if (p->__state != TASK_RUNNING) {
		WRITE_ONCE(p->__state, TASK_RUNNING);
		woken = 1;
		/* Queued after a preemption (on_rq), setting the state is all. */
		if (!p->on_rq && (!p->on_cpu || p->deactivated))
			queue = 1;
		/* Blocked in __schedule() on a CPU waiting for an interrupt: wake that CPU. */
		else if (!p->on_rq && task_cpu(p) != smp_processor_id())
			kick = task_cpu(p);
	}
	raw_spin_unlock(&rq->lock);
	if (queue) {
		while (smp_load_acquire(&p->on_cpu))
			cpu_relax();
		activate_task(p);
	} else if (kick >= 0) {
		smp_send_reschedule(kick);
	}
	rcu_read_unlock();
	local_irq_restore(flags);
	return woken;
}

/*
 * Paravirt hooks around a switch (Xen PV leaves and re-enters its lazy mode
 * there). Nothing on arm64; __weak so a model or a case can supply them.
 */
__weak void arch_start_context_switch(struct task_struct *prev)
{
}

__weak void arch_end_context_switch(struct task_struct *next)
{
}

/*
 * HAZARD_PTR: drops the reference a remote mm_unlazy_mm_count() handed this
 * CPU, once it no longer uses that mm. As posted, the patch dropped it at the
 * next switch whatever that switch did; a kernel -> kernel switch keeps the
 * lazy mm, and the drop freed it under the CPU (a WARN in __mmdrop() here).
 */
static void mmdrop_lazy(struct rq *rq)
{
	struct mm_struct *old_mm = READ_ONCE(rq->drop_mm);

	if (likely(!old_mm) || old_mm == READ_ONCE(rq->lazy_mm))
		return;
	/* Slow path. This only happens when we recently stopped using an mm that is exiting. */
	old_mm = xchg(&rq->drop_mm, NULL);
	if (old_mm)
		mmdrop(old_mm);
}

/* HAZARD_PTR: this CPU starts using mm lazily (mmgrab_lazy_tlb()). */
void lazy_mm_hazard_set(struct mm_struct *mm)
{
	if (mm == &init_mm)
		return;	/* never freed */
	WRITE_ONCE(this_rq()->lazy_mm, mm);
}

/* HAZARD_PTR: this CPU no longer uses mm lazily (mmdrop_lazy_tlb()). */
void lazy_mm_hazard_clear(struct mm_struct *mm)
{
	struct rq *rq = this_rq();

	if (READ_ONCE(rq->lazy_mm) == mm)
		smp_store_release(&rq->lazy_mm, NULL);
	mmdrop_lazy(rq);
}

/*
 * HAZARD_PTR: converts all lazy_mm references to mm to mm_count refcounts.
 * Our caller holds an mm_count reference, so we don't need to worry about
 * mm being freed out from under us. On x86 (and here, where switch_mm()
 * keeps it) mm_cpumask() holds every CPU that might use mm lazily.
 */
void mm_unlazy_mm_count(struct mm_struct *mm)
{
	unsigned int drop_count = nr_cpu_ids;	/* num_possible_cpus() */
	int cpu;

	/* mm_users is zero, so no cpu will set its rq->lazy_mm to mm. */
	WARN_ON_ONCE(atomic_read(&mm->mm_users) != 0);

	/* Grab enough references for the rest of this function. */
	atomic_add(drop_count, &mm->mm_count);

	for_each_cpu(cpu, mm_cpumask(mm)) {
		struct rq *rq = cpu_rq(cpu);
		struct mm_struct *old_mm;

		if (smp_load_acquire(&rq->lazy_mm) != mm)
			continue;

		drop_count--;	/* grab a reference; cpu will drop it later. */

		old_mm = xchg(&rq->drop_mm, mm);

		/* We were the only cpu putting mm into any drop_mm variable. */
		WARN_ON_ONCE(old_mm == mm);
		if (unlikely(old_mm)) {
			/*
			 * We just stole an mm reference from the target CPU: it
			 * stored its new lazy_mm after that xchg, so it is done
			 * with old. Drop old on its behalf.
			 */
			mmdrop(old_mm);
		}
	}

	atomic_sub(drop_count, &mm->mm_count);
}

static struct task_struct *finish_task_switch(struct task_struct *prev)
{
	struct task_struct *next = current;
	struct rq *rq = this_rq();
	struct mm_struct *mm = rq->prev_mm;

	rq->prev_mm = NULL;
	WRITE_ONCE(prev->on_cpu, 0);
	arch_end_context_switch(next);
	/* finish_lock_switch(): raw_spin_rq_unlock_irq(), so a new task starts with interrupts on. */
	local_irq_enable();
	finish_arch_post_lock_switch();
	/* The lazy reference a kernel thread held, dropped now that no CPU runs on it. */
	if (mm)
		mmdrop_lazy_tlb_sched(mm);
	/*
	 * HAZARD_PTR, unconditionally: a remote CPU that saw rq->lazy_mm may
	 * have handed us a reference while we were switching.
	 */
	if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR))
		mmdrop_lazy(rq);
	if (prev->__state == TASK_DEAD)
		put_task_struct(prev);
	return prev;
}

/* The first thing a new task runs (ret_from_fork): the tail of the switch to it. */
void schedule_tail(struct task_struct *prev)
{
	finish_task_switch(prev);
	preempt_enable();
}

static void prepare_task_switch(struct task_struct *prev, struct task_struct *next)
{
	lmemu_hvc2(LMEMU_HVC_SCHED_SWITCH, prev, next);	/* trace_sched_switch() */
	arch_start_context_switch(prev);
}

static void context_switch(struct task_struct *prev, struct task_struct *next)
{
	struct rq *rq = this_rq();

	prepare_task_switch(prev, next);

#ifdef CONFIG_LAZY_TLB_CHECK_ACTIVE_MM
	/*
	 * Andy Lutomirski's check (seed 000): if the previous mm was freed while
	 * this CPU still used it lazily, KASAN might not notice without help.
	 */
	kasan_check_byte(prev->active_mm);
#endif

	/*
	 * kernel -> kernel   lazy + transfer active
	 *   user -> kernel   lazy + mmgrab_lazy_tlb() active
	 *
	 * kernel ->   user   switch + mmdrop_lazy_tlb() active
	 *   user ->   user   switch
	 */
	if (!next->mm) {				/* to kernel */
		enter_lazy_tlb(prev->active_mm, next);
		next->active_mm = prev->active_mm;
		if (prev->mm) {				/* from user */
			if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR)) {
				WARN_ON_ONCE(rq->lazy_mm);
				/*
				 * No explicit barrier needed: we still hold an
				 * mm_users reference; __mmput() can't be called
				 * until we drop it, and it is a release barrier.
				 */
				WRITE_ONCE(rq->lazy_mm, next->active_mm);
			} else {
				mmgrab_lazy_tlb(prev->active_mm);
			}
		} else {
			prev->active_mm = NULL;
		}
	} else {					/* to user */
		switch_mm_irqs_off(prev->active_mm, next->mm, next);
		if (!prev->mm) {			/* from kernel */
			if (IS_ENABLED(CONFIG_MMU_LAZY_TLB_HAZARD_PTR)) {
				prev->active_mm = NULL;
				/* After this, any CPU may free the old lazy mm if it is unreferenced. */
				smp_store_release(&rq->lazy_mm, NULL);
			} else {
				/* will mmdrop_lazy_tlb() in finish_task_switch(). */
				rq->prev_mm = prev->active_mm;
				prev->active_mm = NULL;
			}
		}
	}

	/* A task moved here by a preemption may still be leaving its old CPU. */
	while (READ_ONCE(next->on_cpu))
		cpu_relax();
	next->on_cpu = 1;
	next->deactivated = 0;	/* its waker, if any, queued it: it is not leaving now */
	prev = __switch_to(prev, next);
	barrier();
	finish_task_switch(prev);
}

/* A CPU with nothing to run: wait for an interrupt, as cpu_do_idle() does with wfi. */
void cpu_do_idle(void)
{
	local_irq_enable();
	lmemu_hvc0(LMEMU_HVC_CPU_IDLE);
	local_irq_disable();
}

#define SM_NONE		0
#define SM_PREEMPT	1

static void __schedule(int sched_mode)
{
	struct task_struct *prev = current, *next;
	struct rq *rq;

	local_irq_disable();
	rq = this_rq();
	clear_tsk_need_resched(prev);

	/* A preempted task stays runnable whatever its state says. */
	if ((sched_mode == SM_PREEMPT || prev->__state == TASK_RUNNING) && prev != rq->idle) {
		int to = prev->migrate_to;

		if (cpu_is_offline(smp_processor_id())) {	/* take_cpu_down() asked it to leave */
			set_task_cpu(prev, cpumask_first(cpu_online_mask));
			activate_task(prev);
		} else if (sched_mode == SM_PREEMPT && to >= 0 && to != smp_processor_id() &&
			   (unsigned int)to < nr_cpu_ids) {
			prev->migrate_to = -1;
			set_task_cpu(prev, to);
			activate_task(prev);
		} else {
			raw_spin_lock(&rq->lock);
			enqueue_task(rq, prev);
			raw_spin_unlock(&rq->lock);
		}
	}

	raw_spin_lock(&rq->lock);
	for (;;) {
		/*
		 * Woken since the check above (its waker held this lock): it
		 * is runnable again, as if it had not blocked, and queued
		 * behind what is already waiting.
		 */
		if (prev != rq->idle && READ_ONCE(prev->__state) == TASK_RUNNING && !prev->on_rq)
			enqueue_task(rq, prev);
		next = pick_next_task(rq);
		if (next)
			break;
		if (rq->idle) {
			next = rq->idle;
			break;
		}
		/* The boot CPU: wait in the blocked task until something is woken. */
		raw_spin_unlock(&rq->lock);
		cpu_do_idle();
		raw_spin_lock(&rq->lock);
	}
	/* It blocks: from here a waker waits for it to leave this CPU (deactivate_task()). */
	if (next != prev && prev != rq->idle && !prev->on_rq)
		prev->deactivated = 1;
	raw_spin_unlock(&rq->lock);

	if (next != prev) {
		context_switch(prev, next);
	} else {
		local_irq_enable();
	}
}

void schedule(void)
{
	might_sleep();
	preempt_disable();
	__schedule(SM_NONE);
	preempt_enable_no_resched();
}

void schedule_preempt_disabled(void)
{
	preempt_enable_no_resched();
	schedule();
	preempt_disable();
}

void yield(void)
{
	set_current_state(TASK_RUNNING);
	schedule();
}

/* preempt_enable() reached zero with TIF_NEED_RESCHED set. */
void preempt_schedule(void)
{
	if (preempt_count() || irqs_disabled())
		return;
	do {
		preempt_disable();
		__schedule(SM_PREEMPT);
		preempt_enable_no_resched();
	} while (need_resched());
}

/* From the interrupt return path, interrupts off (arm64_preempt_schedule_irq()). */
void preempt_schedule_irq(void)
{
	do {
		preempt_disable();
		__schedule(SM_PREEMPT);
		local_irq_disable();
		preempt_enable_no_resched();
	} while (need_resched());
}

/*
 * CPU hotplug's scheduler side (v6.16 kernel/sched/core.c). __weak, so a case
 * can put an older kernel's in its place (cases/arm64/hotplug/).
 */

/* The AP's CPUHP_AP_SCHED_WAIT_EMPTY step, in its hotplug thread: leave any lazy mm (21641bd9a7a7). */
static void sched_force_init_mm(void)
{
	struct mm_struct *mm = current->active_mm;

	if (mm != &init_mm) {
		mmgrab_lazy_tlb(&init_mm);
		local_irq_disable();
		current->active_mm = &init_mm;
		switch_mm_irqs_off(mm, &init_mm, current);
		local_irq_enable();
		finish_arch_post_lock_switch();
		mmdrop_lazy_tlb(mm);
	}

	/* finish_cpu(), as ran on the BP, will clean up the active_mm state */
}

__weak int sched_cpu_wait_empty(unsigned int cpu)
{
	sched_force_init_mm();
	return 0;
}

/* The AP, in take_cpu_down() with interrupts off: its queued tasks go to an online CPU. */
void sched_cpu_dying(unsigned int cpu)
{
	struct rq *rq = cpu_rq(cpu);
	struct task_struct *p;

	raw_spin_lock(&rq->lock);
	while ((p = pick_next_task(rq))) {
		raw_spin_unlock(&rq->lock);
		set_task_cpu(p, cpumask_first(cpu_online_mask));
		activate_task(p);
		raw_spin_lock(&rq->lock);
	}
	raw_spin_unlock(&rq->lock);
	/* A task still running here leaves at its next switch (__schedule()). */
	if (current != rq->idle)
		set_tsk_need_resched(current);
}

/* The dying CPU's idle task, from cpu_die(). */
__weak void idle_task_exit(void)
{
	struct mm_struct *mm = current->active_mm;

	BUG_ON(current != this_rq()->idle);

	if (mm != &init_mm) {
		switch_mm(mm, &init_mm, current);
		finish_arch_post_lock_switch();
	}

	/* finish_cpu(), as ran on the BP, will clean up the active_mm state */
}

struct task_struct *idle_thread_get(unsigned int cpu)
{
	return cpu_rq(cpu)->idle;
}
