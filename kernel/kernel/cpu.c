/*
 * Follows Linux v6.16 kernel/cpu.c (subset): remove_cpu() and add_cpu(),
 * with the hotplug steps that decide what happens to a dying CPU's lazily
 * used mm, in Linux's order:
 *
 *   AP, hotplug thread   CPUHP_AP_SCHED_WAIT_EMPTY   sched_cpu_wait_empty()
 *   AP, stop_machine     CPUHP_TEARDOWN_CPU          take_cpu_down() -> __cpu_disable(),
 *                                                     sched_cpu_dying()
 *   AP, idle loop        CPUHP_AP_IDLE_DEAD          cpuhp_report_idle_dead() ->
 *                                                     rcutree_report_cpu_dead();
 *                                                     arch_cpu_idle_dead() -> cpu_die()
 *                                                     -> idle_task_exit(), CPU off
 *   BP                   CPUHP_BRINGUP_CPU (down)    finish_cpu()
 *
 * Differs from Linux:
 *  - no state machine or callbacks: the steps are called in order, and a
 *    failing step is not rolled back;
 *  - the AP's hotplug thread (cpuhp/N) is a kthread made for each operation;
 *  - stop_machine() is smp_call_function_single(wait = 1) to the AP: its
 *    callback runs there at once, interrupts off, as a stopper would, while
 *    the BP waits; other CPUs are not stopped;
 *  - the AP's tasks move to an online CPU in take_cpu_down()
 *    (sched_cpu_dying()) instead of being pushed away from
 *    sched_cpu_deactivate() on, so a task woken onto the AP before then
 *    still runs there.
 * finish_cpu() is __weak, so a case can put an older kernel's in its place.
 */
#include <linux/kernel.h>
#include <linux/cpu.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/smp.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/irqflags.h>
#include <asm/processor.h>

struct cpuhp_cpu_state {
	struct completion done_down;	/* the AP's steps are done; then, that it is dead */
	struct completion done_up;	/* the AP is online */
	int dead;			/* cpu_die() reached: the BP may dispose of it */
};

static struct cpuhp_cpu_state cpuhp_state[NR_CPUS];
static DEFINE_MUTEX(cpu_add_remove_lock);

extern struct task_struct task_table[LMEMU_MAX_TASKS];
extern int task_slot_used[LMEMU_MAX_TASKS];

/*
 * Called by the arch's __cpu_disable() (arm, powerpc) once the CPU is
 * offline: no task's mm_cpumask() names it any more. Only mms that have a
 * task are cleared; one the CPU still uses lazily, from a task that has
 * exited, keeps its bit.
 */
void clear_tasks_mm_cpumask(int cpu)
{
	int i;

	WARN_ON(cpu_online(cpu));
	for (i = 0; i < LMEMU_MAX_TASKS; i++) {
		struct task_struct *t = &task_table[i];
		struct mm_struct *mm;

		if (!READ_ONCE(task_slot_used[i]))
			continue;
		task_lock(t);
		mm = t->mm;
		if (mm)
			cpumask_clear_cpu(cpu, mm_cpumask(mm));
		task_unlock(t);
	}
}

/* The AP's hotplug thread: its teardown steps above CPUHP_TEARDOWN_CPU. */
static int cpuhp_thread_fun(void *data)
{
	unsigned int cpu = smp_processor_id();

	sched_cpu_wait_empty(cpu);
	complete(&cpuhp_state[cpu].done_down);
	return 0;
}

/* The stopper's work on the AP, interrupts off. */
static void take_cpu_down(void *unused)
{
	unsigned int cpu = smp_processor_id();

	/* Ensure this CPU doesn't handle any more interrupts. */
	WARN_ON(__cpu_disable());
	sched_cpu_dying(cpu);
}

/* On an online CPU, for the dying one, which may no longer use RCU. */
static void cpuhp_complete_idle_dead(void *arg)
{
	struct cpuhp_cpu_state *st = arg;

	complete(&st->done_down);
}

/* The dying CPU's idle loop found it offline. */
void cpuhp_report_idle_dead(void)
{
	struct cpuhp_cpu_state *st = &cpuhp_state[smp_processor_id()];

	rcutree_report_cpu_dead();
	/* We cannot call complete after rcutree_report_cpu_dead() so we delegate it to an online cpu. */
	smp_call_function_single(cpumask_first(cpu_online_mask), cpuhp_complete_idle_dead, st, 0);
}

/* cpu_die(), after idle_task_exit(): tell cpuhp_bp_sync_dead() this CPU is safe to dispose of. */
void cpuhp_ap_report_dead(void)
{
	smp_store_release(&cpuhp_state[smp_processor_id()].dead, 1);
}

static void takedown_cpu(unsigned int cpu)
{
	struct cpuhp_cpu_state *st = &cpuhp_state[cpu];

	init_completion(&st->done_down);
	/* stop_machine_cpuslocked(take_cpu_down, NULL, cpumask_of(cpu)) */
	smp_call_function_single(cpu, take_cpu_down, NULL, 1);
	/* The stopper is done: the AP schedules, and its idle loop finds itself offline. */
	smp_send_reschedule(cpu);
	/* Wait for the AP to reach the idle loop and report itself dead. */
	wait_for_completion(&st->done_down);
	/* __cpu_die() -> cpuhp_bp_sync_dead() */
	while (!smp_load_acquire(&st->dead))
		cpu_relax();
}

/* CPUHP_BRINGUP_CPU's teardown, on the BP, once the AP is dead. */
__weak int finish_cpu(unsigned int cpu)
{
	struct task_struct *idle = idle_thread_get(cpu);
	struct mm_struct *mm = idle->active_mm;

	/*
	 * sched_force_init_mm() ensured the use of &init_mm,
	 * drop that refcount now that the CPU has stopped.
	 */
	WARN_ON(mm != &init_mm);
	idle->active_mm = NULL;
	mmdrop_lazy_tlb(mm);
	return 0;
}

int remove_cpu(unsigned int cpu)
{
	struct cpuhp_cpu_state *st = &cpuhp_state[cpu];
	struct task_struct *t;

	might_sleep();
	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || cpu == (unsigned int)smp_processor_id())
		return -EINVAL;
	if (num_online_cpus() == 1)
		return -EBUSY;
	mutex_lock(&cpu_add_remove_lock);
	init_completion(&st->done_down);
	st->dead = 0;
	t = kthread_create(cpuhp_thread_fun, NULL, "cpuhp/%u", cpu);
	BUG_ON(!t);
	kthread_bind(t, cpu);
	wake_up_process(t);
	wait_for_completion(&st->done_down);
	takedown_cpu(cpu);
	finish_cpu(cpu);
	mutex_unlock(&cpu_add_remove_lock);
	return 0;
}

/* The AP, brought up again: online, and the BP may go on (secondary_start_kernel()). */
void cpuhp_online_idle(void)
{
	complete(&cpuhp_state[smp_processor_id()].done_up);
}

int add_cpu(unsigned int cpu)
{
	struct cpuhp_cpu_state *st = &cpuhp_state[cpu];
	int ret;

	might_sleep();
	if (cpu >= nr_cpu_ids || cpu_online(cpu))
		return -EINVAL;
	mutex_lock(&cpu_add_remove_lock);
	init_completion(&st->done_up);
	ret = __cpu_up(cpu);
	if (!ret)
		wait_for_completion(&st->done_up);
	mutex_unlock(&cpu_add_remove_lock);
	return ret;
}
