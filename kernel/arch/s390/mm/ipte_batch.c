/*
 * The lazy MMU hooks and the PTE cache of the s390 arch model
 * (CONFIG_LMEMU_ARCH_S390), after Gordeev's IPTE batching (see
 * asm/ipte_batch.h). Lazy MMU mode disables preemption, as s390's enter did
 * when b6ea95a34cbd was found, because the cache is the CPU's. The hooks are
 * out of line and __weak so a case can replace them, and trace themselves to
 * the host as the arm64 ones do.
 */
#ifdef CONFIG_LMEMU_ARCH_S390

#include <linux/mm.h>
#include <linux/smp.h>
#include <asm/tlbflush.h>
#include <asm/ipte_batch.h>

struct ipte_batch ipte_batch[NR_CPUS];

_Static_assert(__builtin_offsetof(struct ipte_batch, active) == LMEMU_S390_IPTE_BATCH_ACTIVE, "the host reads active at LMEMU_S390_IPTE_BATCH_ACTIVE");
_Static_assert(__builtin_offsetof(struct ipte_batch, table) == LMEMU_S390_IPTE_BATCH_TABLE, "the host reads table at LMEMU_S390_IPTE_BATCH_TABLE");
_Static_assert(__builtin_offsetof(struct ipte_batch, nr) == LMEMU_S390_IPTE_BATCH_NR, "the host reads nr at LMEMU_S390_IPTE_BATCH_NR");
_Static_assert(__builtin_offsetof(struct ipte_batch, ptes) == LMEMU_S390_IPTE_BATCH_PTES, "the host reads ptes at LMEMU_S390_IPTE_BATCH_PTES");
_Static_assert(__builtin_offsetof(struct ipte_batch, ips) == LMEMU_S390_IPTE_BATCH_IPS, "the host reads ips at LMEMU_S390_IPTE_BATCH_IPS");
_Static_assert(sizeof(struct ipte_batch) == LMEMU_S390_IPTE_BATCH_SIZE, "the host steps through ipte_batch[] by LMEMU_S390_IPTE_BATCH_SIZE");

static pte_t *pte_table(pte_t *ptep)
{
	return (pte_t *)((unsigned long)ptep & PAGE_MASK);
}

bool ipte_batch_set_pte(pte_t *ptep, pte_t pte, unsigned long addr)
{
	struct ipte_batch *b;
	unsigned long i = ptep - pte_table(ptep);
	bool cached = false;

	preempt_disable();
	b = &ipte_batch[smp_processor_id()];
	if (b->active == IPTE_BATCH_CACHING && (!b->table || b->table == pte_table(ptep))) {
		b->table = pte_table(ptep);
		if (addr && !b->va)
			b->va = addr - i * PAGE_SIZE;
		if (!b->ips[i])
			b->nr++;
		b->ptes[i] = pte;
		b->ips[i] = _RET_IP_;
		cached = true;
	}
	preempt_enable();
	return cached;
}

pte_t ipte_batch_ptep_get(pte_t *ptep)
{
	struct ipte_batch *b;
	unsigned long i = ptep - pte_table(ptep);
	pte_t pte;

	preempt_disable();
	b = &ipte_batch[smp_processor_id()];
	if (b->active == IPTE_BATCH_CACHING && b->table == pte_table(ptep) && b->ips[i])
		pte = b->ptes[i];
	else
		pte = READ_ONCE(*ptep);
	preempt_enable();
	return pte;
}

/*
 * One IPTE with additional entries: every cached entry that was valid is
 * invalidated and the TLBs purged once; then the new values are stored.
 */
static void ipte_batch_store(struct ipte_batch *b)
{
	unsigned long active = b->active, i, lo = PTRS_PER_PTE, hi = 0;
	bool invalidated = false;

	if (!b->nr)
		goto out;
	b->active = IPTE_BATCH_STORING;
	for (i = 0; i < PTRS_PER_PTE; i++) {
		pte_t old;

		if (!b->ips[i])
			continue;
		old = READ_ONCE(b->table[i]);
		if (pte_valid(old) && pte_val(old) != pte_val(b->ptes[i])) {
			WRITE_ONCE(b->table[i], __pte(0));
			invalidated = true;
		}
		lo = i < lo ? i : lo;
		hi = i;
	}
	if (invalidated) {
		if (b->va)
			flush_tlb_kernel_range(b->va + lo * PAGE_SIZE, b->va + (hi + 1) * PAGE_SIZE);
		else
			flush_tlb_all();
	}
	for (i = lo; i <= hi; i++) {
		if (!b->ips[i])
			continue;
		WRITE_ONCE(b->table[i], b->ptes[i]);
		b->ips[i] = 0;
	}
	b->nr = 0;
	b->active = active;
out:
	b->table = NULL;
	b->va = 0;
}

__weak void arch_enter_lazy_mmu_mode(void)
{
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
	preempt_disable();
	ipte_batch[smp_processor_id()].active = IPTE_BATCH_CACHING;
}

__weak void arch_leave_lazy_mmu_mode(void)
{
	struct ipte_batch *b;

#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	b = &ipte_batch[smp_processor_id()];
	ipte_batch_store(b);
	b->active = IPTE_BATCH_OFF;
	preempt_enable();
}

__weak void arch_flush_lazy_mmu_mode(void)
{
	preempt_disable();
	ipte_batch_store(&ipte_batch[smp_processor_id()]);
	preempt_enable();
}

#endif /* CONFIG_LMEMU_ARCH_S390 */
