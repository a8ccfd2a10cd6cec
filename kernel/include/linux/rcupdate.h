/*
 * Follows Linux v6.16 include/linux/rcupdate.h (subset): read-side critical
 * sections and, with CONFIG_PROVE_RCU (lmemu turns it on with LOCKDEP), the
 * check that RCU is watching the CPU that enters one.
 *
 * Differs from Linux: there are no grace periods (an RCU callback is an
 * injected softirq), so, as with PREEMPT_RCU, a reader does not disable
 * preemption, and rcu_read_lock() only checks.
 * What the check catches is the one RCU rule CPU hotplug can break: once a
 * dying CPU has passed rcutree_report_cpu_dead(), RCU ignores it, and any
 * read-side critical section there is "RCU used illegally from offline CPU!"
 * (bf2c59fce407: an mmdrop() in idle_task_exit() reaching the slab free's
 * memcg hook).
 */
#ifndef __LINUX_RCUPDATE_H
#define __LINUX_RCUPDATE_H

#include <linux/kconfig.h>
#include <linux/types.h>
#include <lmemu/hypercall.h>

#ifdef CONFIG_LOCKDEP
#define CONFIG_PROVE_RCU 1
#endif

/* RCU watches this CPU: it is not between rcutree_report_cpu_dead() and its next bring-up. */
bool rcu_lockdep_current_cpu_online(void);
void rcutree_report_cpu_dead(void);
void rcutree_report_cpu_starting(unsigned int cpu);

/* lockdep's splat, reported by the host as the hazard suspicious-rcu-usage. */
#define lockdep_rcu_suspicious(file, line, s)	lmemu_hvc3(LMEMU_HVC_RCU_SUSPICIOUS, file, line, s)

#define RCU_LOCKDEP_WARN(c, s)						\
	do {								\
		if (IS_ENABLED(CONFIG_PROVE_RCU) && (c))		\
			lockdep_rcu_suspicious(__FILE__, __LINE__, s);	\
	} while (0)

static inline void rcu_read_lock(void)
{
	RCU_LOCKDEP_WARN(!rcu_lockdep_current_cpu_online(), "rcu_read_lock() used illegally while offline");
}

static inline void rcu_read_unlock(void)
{
}

#endif
