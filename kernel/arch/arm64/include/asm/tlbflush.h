/* Follows Linux v6.16 arch/arm64/include/asm/tlbflush.h (kernel range flushes). */
#ifndef __ASM_TLBFLUSH_H
#define __ASM_TLBFLUSH_H

#include <asm/barrier.h>
#include <asm/page.h>
#include <asm/pgtable-hwdef.h>

#define __TLBI_0(op, arg) asm volatile ("tlbi " #op "\n" : : )
#define __TLBI_1(op, arg) asm volatile ("tlbi " #op ", %0\n" : : "r" (arg))
#define __TLBI_N(op, arg, n, ...) __TLBI_##n(op, arg)

#define __tlbi(op, ...)		__TLBI_N(op, ##__VA_ARGS__, 1, 0)

/* VA[55:12] in bits 43:0, ASID in 63:48. */
#define __TLBI_VADDR(addr, asid)				\
	({							\
		unsigned long __ta = (addr) >> 12;		\
		__ta &= ((1UL << 44) - 1);			\
		__ta |= (unsigned long)(asid) << 48;		\
		__ta;						\
	})

#define MAX_DVM_OPS	PTRS_PER_PTE

static inline void local_flush_tlb_all(void)
{
	dsb(nshst);
	__tlbi(vmalle1);
	dsb(nsh);
	isb();
}

static inline void flush_tlb_all(void)
{
	dsb(ishst);
	__tlbi(vmalle1is);
	dsb(ish);
	isb();
}

static inline void flush_tlb_kernel_range(unsigned long start, unsigned long end)
{
	const unsigned long stride = PAGE_SIZE;
	unsigned long addr;

	if ((end - start) > (MAX_DVM_OPS * stride)) {
		flush_tlb_all();
		return;
	}

	start = __TLBI_VADDR(start, 0);
	end = __TLBI_VADDR(end, 0);

	dsb(ishst);
	for (addr = start; addr < end; addr += 1 << (PAGE_SHIFT - 12))
		__tlbi(vaale1is, addr);
	dsb(ish);
	isb();
}

/*
 * Used to invalidate the TLB (walk caches) corresponding to intermediate page
 * table levels (pgd/pud/pmd).
 */
static inline void __flush_tlb_kernel_pgtable(unsigned long kaddr)
{
	unsigned long addr = __TLBI_VADDR(kaddr, 0);

	dsb(ishst);
	__tlbi(vaae1is, addr);
	dsb(ish);
	isb();
}

#endif
