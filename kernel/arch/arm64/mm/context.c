/*
 * Follows Linux v6.16 arch/arm64/mm/context.c and proc.S: the ASID
 * allocator, check_and_switch_context() and cpu_do_switch_mm().
 *
 * An mm's context.id is its ASID with the allocator's generation above it.
 * A switch to an mm whose ASID is of the current generation takes the fast
 * path; otherwise the mm gets a new ASID (its old one again if still free),
 * and when none is left the generation rolls over: every ASID is free again
 * but those active on a CPU, which stay reserved for their mms, and every
 * CPU flushes its TLB before its next switch (tlb_flush_pending).
 *
 * Differs from Linux: no KPTI (no odd/even pairs), no CnP, no pinned ASIDs;
 * the fast path's update of active_asids is a __weak function of its own,
 * so a case can put the xchg before a8ffaaa060b8 back;
 * the ASID width is CONFIG_ASID_BITS (ID_AA64MMFR0_EL1.ASIDBits: 16 unless
 * a case says 8, or fewer as a model reduction that rolls over sooner). The deferred-switch hooks are __weak so a case can replace
 * them; arm64 itself switches at once and has nothing to finish.
 */
#include <linux/kernel.h>
#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/sched.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <asm/barrier.h>
#include <asm/memory.h>
#include <asm/mmu_context.h>
#include <asm/tlbflush.h>
#include <lmemu/hypercall.h>

#ifdef CONFIG_ASID_BITS
#define ASID_BITS	CONFIG_ASID_BITS
#else
#define ASID_BITS	16
#endif

/* Not static: the host reads both to check the ASID a task returns to user space with. */
const unsigned long asid_bits = ASID_BITS;
atomic64_t asid_generation;

static unsigned long asid_map[((1UL << ASID_BITS) + BITS_PER_LONG - 1) / BITS_PER_LONG];
static atomic64_t active_asids[NR_CPUS];
static long long reserved_asids[NR_CPUS];
static cpumask_t tlb_flush_pending;
static raw_spinlock_t cpu_asid_lock;

#define ASID_MASK		(~GENMASK(ASID_BITS - 1, 0))
#define ASID_FIRST_VERSION	(1LL << ASID_BITS)
#define NUM_USER_ASIDS		ASID_FIRST_VERSION
#define ctxid2asid(asid)	((asid) & ~ASID_MASK)
#define asid2ctxid(asid, genid)	((asid) | (genid))

/* Set at boot (asids_init()): generation 1, so a context.id of 0 never matches. */
void asids_init(void)
{
	atomic64_set(&asid_generation, ASID_FIRST_VERSION);
}

static void flush_context(void)
{
	int i;
	long long asid;

	/* Update the list of reserved ASIDs and the ASID bitmap. */
	bitmap_zero(asid_map, NUM_USER_ASIDS);

	for (i = 0; i < NR_CPUS; i++) {
		asid = atomic64_xchg(&active_asids[i], 0);
		/*
		 * If this CPU has already been through a rollover, but hasn't
		 * run another task in the meantime, we must preserve its
		 * reserved ASID, as this is the only trace we have of the
		 * process it is still running.
		 */
		if (asid == 0)
			asid = reserved_asids[i];
		__set_bit(ctxid2asid(asid), asid_map);
		reserved_asids[i] = asid;
	}

	/* Queue a TLB invalidation for each CPU to perform on next context-switch */
	cpumask_setall(&tlb_flush_pending);
}

static bool check_update_reserved_asid(long long asid, long long newasid)
{
	int cpu;
	bool hit = false;

	/*
	 * Iterate over the set of reserved ASIDs looking for a match. If we
	 * find one, then we can update our mm to use newasid (i.e. the same
	 * ASID in the current generation) but we can't exit the loop early,
	 * since we need to ensure that all copies of the old ASID are updated
	 * to reflect the mm.
	 */
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		if (reserved_asids[cpu] == asid) {
			hit = true;
			reserved_asids[cpu] = newasid;
		}
	}
	return hit;
}

static long long new_context(struct mm_struct *mm)
{
	static unsigned long cur_idx = 1;
	long long asid = atomic64_read(&mm->context.id);
	long long generation = atomic64_read(&asid_generation);

	if (asid != 0) {
		long long newasid = asid2ctxid(ctxid2asid(asid), generation);

		/* If our current ASID was active during a rollover, we can continue to use it. */
		if (check_update_reserved_asid(asid, newasid))
			return newasid;

		/* We had a valid ASID in a previous life, so try to re-use it if possible. */
		if (!__test_and_set_bit(ctxid2asid(asid), asid_map))
			return newasid;
	}

	/*
	 * Allocate a free ASID. If we can't find one, take a note of the
	 * currently active ASIDs and mark the TLBs as requiring flushes. We
	 * always count from ASID #1, as we use ASID #0 when setting a
	 * reserved TTBR0 for the init_mm.
	 */
	asid = find_next_zero_bit(asid_map, NUM_USER_ASIDS, cur_idx);
	if (asid != NUM_USER_ASIDS)
		goto set_asid;

	/* We're out of ASIDs, so increment the global generation count */
	generation = atomic64_add_return(ASID_FIRST_VERSION, &asid_generation);
	flush_context();

	/* We have more ASIDs than CPUs, so this will always succeed */
	asid = find_next_zero_bit(asid_map, NUM_USER_ASIDS, 1);

set_asid:
	__set_bit(asid, asid_map);
	cur_idx = asid;
	return asid2ctxid(asid, generation);
}

static bool asid_gen_match(long long asid)
{
	return !((asid ^ atomic64_read(&asid_generation)) >> ASID_BITS);
}

void cpu_switch_mm(pgd_t *pgd, struct mm_struct *mm)
{
	unsigned long ttbr = __pa(pgd) | (ASID(mm) << 48);

	asm volatile("msr ttbr0_el1, %0" : : "r" (ttbr) : "memory");
	isb();
}

void cpu_set_reserved_ttbr0(void)
{
	asm volatile("msr ttbr0_el1, %0" : : "r" (0UL) : "memory");
	isb();
}

/*
 * The fast path's claim of this CPU's active ASID: the value it replaced, 0
 * if a rollover cleared it. A cmpxchg (a8ffaaa060b8), so that the rollover's
 * 0 stays, and flush_context() keeps this CPU's reserved ASID as it was.
 */
__weak long long active_asid_fastpath(atomic64_t *active, long long old, long long asid)
{
	return atomic64_cmpxchg(active, old, asid);
}

__weak void check_and_switch_context(struct mm_struct *mm, struct task_struct *tsk)
{
	unsigned long flags;
	unsigned int cpu;
	long long asid, old_active_asid;

	asid = atomic64_read(&mm->context.id);

	/*
	 * The memory ordering here is subtle. If our active_asids is non-zero
	 * and the ASID matches the current generation, then we update the
	 * active_asids entry with a relaxed cmpxchg. Racing with a concurrent
	 * rollover means that either:
	 *
	 * - We get a zero back from the cmpxchg and end up waiting on the
	 *   lock. Taking the lock synchronises with the rollover and so we
	 *   are forced to see the updated generation.
	 *
	 * - We get a valid ASID back from the cmpxchg, which means the
	 *   relaxed xchg in flush_context will treat us as reserved because
	 *   atomic RmWs are totally ordered for a given location.
	 */
	cpu = smp_processor_id();
	old_active_asid = atomic64_read(&active_asids[cpu]);
	if (old_active_asid && asid_gen_match(asid) &&
	    active_asid_fastpath(&active_asids[cpu], old_active_asid, asid))
		goto switch_mm_fastpath;

	local_irq_save(flags);
	raw_spin_lock(&cpu_asid_lock);
	/* Check that our ASID belongs to the current generation. */
	asid = atomic64_read(&mm->context.id);
	if (!asid_gen_match(asid)) {
		asid = new_context(mm);
		atomic64_set(&mm->context.id, asid);
	}

	if (cpumask_test_and_clear_cpu(cpu, &tlb_flush_pending))
		local_flush_tlb_all();

	atomic64_set(&active_asids[cpu], asid);
	raw_spin_unlock(&cpu_asid_lock);
	local_irq_restore(flags);

switch_mm_fastpath:
	cpu_switch_mm(mm->pgd, mm);
}

__weak void finish_arch_post_lock_switch(void)
{
}

/* exit_to_user_mode(): with interrupts off, as the entry code returns. */
void lmemu_return_to_user(void)
{
	local_irq_disable();
	lmemu_hvc0(LMEMU_HVC_RETURN_TO_USER);
	local_irq_enable();
}
