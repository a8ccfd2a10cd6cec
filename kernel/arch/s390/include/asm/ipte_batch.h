/*
 * The s390 arch model (CONFIG_LMEMU_ARCH_S390): Alexander Gordeev's
 * "s390/mm: Batch PTE updates in lazy MMU mode" (RFC 2025, v3 2026, not
 * merged). Changing a valid s390 PTE takes an IPTE first, which may quiesce
 * the whole machine, and one IPTE can invalidate up to 256 entries of one
 * page table. So in lazy MMU mode set_pte() and ptep_get() use a per-CPU
 * cache of one page table's new PTE values, and leaving lazy MMU mode stores
 * them after one batched invalidation. Until then the table keeps the old
 * entries, still valid: only this CPU's ptep_get() sees the new values. A
 * direct dereference of the PTE pointer, or any other CPU, reads the old
 * ones (what c519c3c0a113 and the v2 review were about).
 *
 * Differences from the patches, on purpose:
 *  - the cache is for the page table of the first PTE set in the section
 *    (v3's lazy_mmu_mode_enable_with_ptes() names it up front); an entry of
 *    another table is set at once, as outside lazy MMU mode;
 *  - a slot is cached while ips[] holds where it was set (v3: PTE_POISON
 *    marks an empty slot), which lmemu's reports name;
 *  - the IPTE is an arm64 invalidation: the entries that were valid are
 *    made invalid, one TLB flush covers them, then the new values are
 *    stored (break-before-make, as the IPTE does in one instruction);
 *  - per-CPU variables are arrays indexed by CPU; the layout is checked
 *    against what the host reads (lmemu/machine.h).
 */
#ifndef _ASM_S390_IPTE_BATCH_H
#define _ASM_S390_IPTE_BATCH_H

#include <linux/types.h>
#include <linux/cpumask.h>

#define IPTE_BATCH_OFF		0
#define IPTE_BATCH_CACHING	1	/* lazy MMU mode: set_pte() fills the cache */
#define IPTE_BATCH_STORING	2	/* the cache is being stored to the table */

struct ipte_batch {
	unsigned long	active;
	pte_t		*table;		/* the page table cached, or NULL */
	unsigned long	nr;		/* entries cached */
	unsigned long	va;		/* what the table maps, once known (0: not yet) */
	pte_t		ptes[PTRS_PER_PTE];	/* the new values */
	unsigned long	ips[PTRS_PER_PTE];	/* where each was set; 0: not cached */
};
/* DEFINE_PER_CPU(struct ipte_batch, ipte_batch) */
extern struct ipte_batch ipte_batch[NR_CPUS];

/*
 * In lazy MMU mode, caches `pte` as the new value of *ptep and returns true;
 * else returns false and the caller stores it. `addr` is what the entry
 * maps, or 0 when the caller does not say (set_pte()).
 */
bool ipte_batch_set_pte(pte_t *ptep, pte_t pte, unsigned long addr);
/* The cached new value of *ptep on this CPU, else the table's. */
pte_t ipte_batch_ptep_get(pte_t *ptep);

#endif /* _ASM_S390_IPTE_BATCH_H */
