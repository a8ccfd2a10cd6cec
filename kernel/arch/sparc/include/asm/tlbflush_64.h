/*
 * Follows Linux v6.16 arch/sparc/include/asm/tlbflush_64.h: sparc64's
 * per-CPU batch of TSB/TLB flushes in lazy MMU mode, for the sparc64 arch
 * model (CONFIG_LMEMU_ARCH_SPARC64). A PTE store takes effect at once (the
 * TSB miss handler reads the Linux PTE); what waits is the flush of the
 * translation it removed. The layout of `tlb_nr` and `active` is checked
 * against what the host reads (lmemu/machine.h).
 */
#ifndef _SPARC64_TLBFLUSH_H
#define _SPARC64_TLBFLUSH_H

#include <linux/types.h>
#include <linux/cpumask.h>

struct mm_struct;

#define TLB_BATCH_NR	192

struct tlb_batch {
	unsigned int hugepage_shift;
	struct mm_struct *mm;
	unsigned long tlb_nr;
	unsigned long active;
	unsigned long vaddrs[TLB_BATCH_NR];
};
/* DECLARE_PER_CPU(struct tlb_batch, tlb_batch) */
extern struct tlb_batch tlb_batch[NR_CPUS];

void flush_tlb_pending(void);
void tlb_batch_add(struct mm_struct *mm, unsigned long vaddr, unsigned long orig);

/* __set_pte_at()'s maybe_tlb_batch_add() of what a store replaced (arch/sparc/mm/tlb.c). */
#define arch_tlb_batch_add(mm, addr, old)	tlb_batch_add(mm, addr, pte_val(old))

#endif /* _SPARC64_TLBFLUSH_H */
