/*
 * Follows Linux v6.16 arch/powerpc/include/asm/book3s/64/tlbflush-hash.h:
 * the per-CPU batch of hash-table/TLB invalidations ppc64's hash MMU queues
 * in lazy MMU mode, for the ppc64-hash arch model
 * (CONFIG_LMEMU_ARCH_PPC64_HASH). A PTE store takes effect at once (the hash
 * fault handler reads the Linux PTE); what waits is the invalidation of the
 * translation it removed.
 *
 * Differences from Linux, on purpose:
 *  - the batch keeps the VA (Linux: the hashed vpn and the real PTE), which
 *    is what lmemu's invalidation, arm64 TLBIs, takes;
 *  - per-CPU variables are arrays indexed by CPU; the layout of `active` and
 *    `index` is checked against what the host reads (lmemu/machine.h).
 */
#ifndef _ASM_POWERPC_BOOK3S_64_TLBFLUSH_HASH_H
#define _ASM_POWERPC_BOOK3S_64_TLBFLUSH_HASH_H

#include <linux/types.h>
#include <linux/cpumask.h>

struct mm_struct;

#define PPC64_TLB_BATCH_NR 192

struct ppc64_tlb_batch {
	int			active;
	unsigned long		index;
	struct mm_struct	*mm;
	unsigned long		vaddr[PPC64_TLB_BATCH_NR];
};
/* DECLARE_PER_CPU(struct ppc64_tlb_batch, ppc64_tlb_batch) */
extern struct ppc64_tlb_batch ppc64_tlb_batch[NR_CPUS];

void __flush_tlb_pending(struct ppc64_tlb_batch *batch);
void hpte_need_flush(struct mm_struct *mm, unsigned long addr, unsigned long pte);

/* pte_update()'s flush of what a store replaced (arch/powerpc/mm/book3s64/hash_tlb.c). */
#define arch_tlb_batch_add(mm, addr, old)	hpte_need_flush(mm, addr, pte_val(old))

#endif /* _ASM_POWERPC_BOOK3S_64_TLBFLUSH_HASH_H */
