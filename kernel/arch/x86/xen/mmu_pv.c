/*
 * Follows Linux v6.16 arch/x86/xen/mmu_pv.c: Xen PV's page-table updates and
 * lazy MMU hooks, for the xen-pv arch model (CONFIG_LMEMU_ARCH_XEN_PV).
 *
 * Every kernel table is pinned (a PV guest's tables are read-only to it), so
 * every entry goes through the hypervisor: a pte as a single mmu_update
 * outside lazy MMU mode and batched inside it, the upper levels through the
 * multicall batch, issued at once outside lazy MMU mode. A direct store to a
 * table (ptep_get_and_clear()'s xchg in Linux) traps and the hypervisor makes
 * it at once; the host does the same.
 *
 * Differences from Linux, on purpose:
 *  - the lazy MMU hooks are the arch hooks themselves (pvops in Linux), out of
 *    line and __weak, and trace themselves to the host as the arm64 ones do
 *    (arch/arm64/mm/lazy_mmu.c);
 *  - no pinning, no machine-to-physical translation: phys is machine.
 */
#ifdef CONFIG_LMEMU_ARCH_XEN_PV

#include <linux/mm.h>
#include <asm/xen/hypervisor.h>

enum xen_lazy_mode xen_lazy_mode[NR_CPUS];

__weak void enter_lazy(enum xen_lazy_mode mode)
{
	BUG_ON(xen_lazy_mode[smp_processor_id()] != XEN_LAZY_NONE);

	xen_lazy_mode[smp_processor_id()] = mode;
}

__weak void leave_lazy(enum xen_lazy_mode mode)
{
	BUG_ON(xen_lazy_mode[smp_processor_id()] != mode);

	xen_lazy_mode[smp_processor_id()] = XEN_LAZY_NONE;
}

static bool xen_batched_set_pte(pte_t *ptep, pte_t pteval)
{
	struct mmu_update u;

	if (xen_get_lazy_mode() != XEN_LAZY_MMU)
		return false;

	xen_mc_batch();

	u.ptr = __pa(ptep);
	u.val = pte_val(pteval);
	xen_extend_mmu_update(&u);

	xen_mc_issue(XEN_LAZY_MMU);

	return true;
}

void xen_set_pte(pte_t *ptep, pte_t pteval)
{
	if (!xen_batched_set_pte(ptep, pteval)) {
		/*
		 * Could call native_set_pte() here and trap and
		 * emulate the PTE write, but a hypercall is much cheaper.
		 */
		struct mmu_update u;

		u.ptr = __pa(ptep);
		u.val = pte_val(pteval);
		HYPERVISOR_mmu_update(&u, 1);
	}
}

/* xen_set_pmd_hyper() and friends: the upper levels always go through a batch. */
static void xen_set_upper_hyper(void *ptr, u64 val)
{
	struct mmu_update u;

	preempt_disable();

	xen_mc_batch();

	u.ptr = __pa(ptr);
	u.val = val;
	xen_extend_mmu_update(&u);

	xen_mc_issue(XEN_LAZY_MMU);

	preempt_enable();
}

void xen_set_pmd(pmd_t *ptr, pmd_t val) { xen_set_upper_hyper(ptr, pmd_val(val)); }
void xen_set_pud(pud_t *ptr, pud_t val) { xen_set_upper_hyper(ptr, pud_val(val)); }
void xen_set_p4d(p4d_t *ptr, p4d_t val) { xen_set_upper_hyper(ptr, p4d_val(val)); }

static void xen_enter_lazy_mmu(void)
{
	enter_lazy(XEN_LAZY_MMU);
}

static void xen_leave_lazy_mmu(void)
{
	preempt_disable();
	xen_mc_flush();
	leave_lazy(XEN_LAZY_MMU);
	preempt_enable();
}

__weak void arch_enter_lazy_mmu_mode(void)
{
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_ENABLE, _RET_IP_);
#endif
	xen_enter_lazy_mmu();
}

__weak void arch_leave_lazy_mmu_mode(void)
{
#ifndef CONFIG_LAZY_MMU_GENERIC_V7_0
	lmemu_trace_lazy_mmu(LMEMU_LAZY_DISABLE, _RET_IP_);
#endif
	xen_leave_lazy_mmu();
}

/* xen_flush_lazy_mmu() */
__weak void arch_flush_lazy_mmu_mode(void)
{
	preempt_disable();

	if (xen_get_lazy_mode() == XEN_LAZY_MMU) {
		xen_leave_lazy_mmu();
		xen_enter_lazy_mmu();
	}

	preempt_enable();
}

#endif /* CONFIG_LMEMU_ARCH_XEN_PV */
