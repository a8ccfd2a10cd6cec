/*
 * Follows Linux include/linux/cpumask.h (subset): a bitmap of CPUs, the
 * online mask and the iterators. Every CPU below nr_cpu_ids is online at
 * boot; remove_cpu() and add_cpu() (kernel/cpu.c) change that.
 */
#ifndef __LINUX_CPUMASK_H
#define __LINUX_CPUMASK_H

#include <linux/bitops.h>
#include <lmemu/machine.h>

#define NR_CPUS		LMEMU_MAX_CPUS

struct cpumask {
	DECLARE_BITMAP(bits, NR_CPUS);
};
typedef struct cpumask cpumask_t;

extern unsigned int nr_cpu_ids;
extern struct cpumask __cpu_online_mask;
#define cpu_online_mask		((const struct cpumask *)&__cpu_online_mask)
#define cpumask_bits(maskp)	((maskp)->bits)

static inline void cpumask_set_cpu(unsigned int cpu, struct cpumask *dstp) { set_bit(cpu, dstp->bits); }
static inline void cpumask_clear_cpu(unsigned int cpu, struct cpumask *dstp) { clear_bit(cpu, dstp->bits); }
static inline void __cpumask_clear_cpu(unsigned int cpu, struct cpumask *dstp) { __clear_bit(cpu, dstp->bits); }
static inline bool cpumask_test_cpu(int cpu, const struct cpumask *cpumask) { return test_bit(cpu, cpumask->bits); }
static inline void cpumask_clear(struct cpumask *dstp) { dstp->bits[0] = 0; }
static inline void cpumask_setall(struct cpumask *dstp) { dstp->bits[0] = (1UL << NR_CPUS) - 1; }
static inline bool cpumask_test_and_clear_cpu(int cpu, struct cpumask *cpumask) { return test_and_clear_bit(cpu, cpumask->bits); }
static inline void cpumask_copy(struct cpumask *dstp, const struct cpumask *srcp) { dstp->bits[0] = srcp->bits[0]; }
static inline bool cpumask_empty(const struct cpumask *srcp) { return srcp->bits[0] == 0; }
static inline unsigned int cpumask_weight(const struct cpumask *srcp) { return __builtin_popcountl(srcp->bits[0]); }

static inline bool cpumask_and(struct cpumask *dstp, const struct cpumask *src1p, const struct cpumask *src2p)
{
	dstp->bits[0] = src1p->bits[0] & src2p->bits[0];
	return dstp->bits[0] != 0;
}

static inline unsigned int cpumask_first(const struct cpumask *srcp)
{
	return srcp->bits[0] ? (unsigned int)__builtin_ctzl(srcp->bits[0]) : NR_CPUS;
}

#define cpu_online(cpu)		cpumask_test_cpu((cpu), cpu_online_mask)
#define cpu_is_offline(cpu)	unlikely(!cpu_online(cpu))
#define num_online_cpus()	cpumask_weight(cpu_online_mask)

static inline void set_cpu_online(unsigned int cpu, bool online)
{
	if (online)
		cpumask_set_cpu(cpu, &__cpu_online_mask);
	else
		cpumask_clear_cpu(cpu, &__cpu_online_mask);
}

#define for_each_cpu(cpu, mask)						\
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++)		\
		if (!cpumask_test_cpu((cpu), (mask))) {} else
#define for_each_online_cpu(cpu)	for_each_cpu((cpu), cpu_online_mask)

#endif
