/*
 * Follows Linux arch/arm/kernel/smp_tlb.c's ipi_flush_tlb_kernel_page(): on
 * CPUs whose TLB maintenance is not broadcast (ARM11 MPCore), each CPU
 * flushes its own TLB in an IPI. Written with arm64's local (non-shareable)
 * invalidation, which removes the entry from this CPU's TLB only.
 */
#include <asm/tlbflush.h>
#include <asm/barrier.h>

static void ipi_flush_tlb_kernel_page(void *arg)
{
	unsigned long addr = *(unsigned long *)arg;

	dsb(nshst);
	__tlbi(vaale1, __TLBI_VADDR(addr, 0));
	dsb(nsh);
	isb();
}
