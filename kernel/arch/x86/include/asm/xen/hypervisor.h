/*
 * Follows Linux v6.16 arch/x86/include/asm/xen/hypervisor.h and
 * arch/x86/xen/multicalls.h: Xen PV's per-CPU lazy modes and its multicall
 * batch, for the xen-pv arch model (CONFIG_LMEMU_ARCH_XEN_PV). The guest is
 * still arm64 code on arm64 tables; what Xen changes is that page-table
 * entries are mmu_update requests to the hypervisor (the host), queued per
 * CPU in lazy MMU mode.
 *
 * Differences from Linux, on purpose:
 *  - the multicall batch is kept by the host (it records where each request
 *    was made, for reports); xen_extend_mmu_update() hands it one request;
 *  - per-CPU variables are arrays indexed by CPU, as elsewhere in lmemu;
 *  - enter_lazy() and leave_lazy() are out of line and __weak (static inline
 *    in Linux), so a case can put back 49147beb0ccb's nesting count.
 */
#ifndef _ASM_X86_XEN_HYPERVISOR_H
#define _ASM_X86_XEN_HYPERVISOR_H

#include <linux/types.h>
#include <linux/cpumask.h>
#include <linux/irqflags.h>
#include <linux/preempt.h>
#include <linux/smp.h>
#include <asm/pgtable-types.h>
#include <lmemu/hypercall.h>

enum xen_lazy_mode {
	XEN_LAZY_NONE,
	XEN_LAZY_MMU,
	XEN_LAZY_CPU,
};

/* DECLARE_PER_CPU(enum xen_lazy_mode, xen_lazy_mode): the host reads it too. */
extern enum xen_lazy_mode xen_lazy_mode[NR_CPUS];

void enter_lazy(enum xen_lazy_mode mode);
void leave_lazy(enum xen_lazy_mode mode);

static inline enum xen_lazy_mode xen_get_lazy_mode(void)
{
	if (in_interrupt())
		return XEN_LAZY_NONE;

	return xen_lazy_mode[smp_processor_id()];
}

struct mmu_update {
	u64 ptr;	/* machine address of the entry */
	u64 val;	/* its new contents */
};

static inline int HYPERVISOR_mmu_update(struct mmu_update *req, int count)
{
	for (int i = 0; i < count; i++)
		lmemu_hvc3(LMEMU_HVC_XEN_MMU_UPDATE, req[i].ptr, req[i].val, 0);
	return 0;
}

/* Start a batch: interrupts stay off until xen_mc_issue(). */
#define xen_mc_batch()		unsigned long __mc_flags = arch_local_irq_save()

static inline void xen_extend_mmu_update(const struct mmu_update *update)
{
	lmemu_hvc3(LMEMU_HVC_XEN_MMU_UPDATE, update->ptr, update->val, 1);
}

static inline void xen_mc_flush(void)
{
	lmemu_hvc0(LMEMU_HVC_XEN_MC_FLUSH);
}

/* Issue the batch unless the CPU is in `mode`, and put interrupts back. */
#define xen_mc_issue(mode) do {						\
	if ((xen_get_lazy_mode() & (mode)) == 0)			\
		xen_mc_flush();						\
	arch_local_irq_restore(__mc_flags);				\
} while (0)

/* arch/x86/xen/mmu_pv.c, enlighten_pv.c */
void xen_set_pte(pte_t *ptep, pte_t pteval);
void xen_set_pmd(pmd_t *ptr, pmd_t val);
void xen_set_pud(pud_t *ptr, pud_t val);
void xen_set_p4d(p4d_t *ptr, p4d_t val);

#endif /* _ASM_X86_XEN_HYPERVISOR_H */
