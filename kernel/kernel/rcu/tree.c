/*
 * Follows Linux v6.16 kernel/rcu/tree.c in one respect only: which CPUs RCU
 * watches. A CPU leaves at rcutree_report_cpu_dead(), called by the dying
 * CPU from its idle loop (cpuhp_report_idle_dead()), and comes back at
 * rcutree_report_cpu_starting() when it is brought up again.
 */
#include <linux/kernel.h>
#include <linux/smp.h>
#include <linux/rcupdate.h>

static int rcu_ignores_cpu[NR_CPUS];

bool rcu_lockdep_current_cpu_online(void)
{
	return !READ_ONCE(rcu_ignores_cpu[smp_processor_id()]);
}

void rcutree_report_cpu_dead(void)
{
	WRITE_ONCE(rcu_ignores_cpu[smp_processor_id()], 1);
}

void rcutree_report_cpu_starting(unsigned int cpu)
{
	WRITE_ONCE(rcu_ignores_cpu[cpu], 0);
}
