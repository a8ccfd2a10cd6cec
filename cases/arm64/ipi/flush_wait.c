/* As arch/arm/kernel/smp_tlb.c: on_each_cpu(..., wait = 1) returns once every CPU has flushed. */
#include "flush.h"
#include "flush_common.h"
#include <linux/smp.h>

void flush_kernel_page_by_ipi(unsigned long addr)
{
	on_each_cpu(ipi_flush_tlb_kernel_page, &addr, 1);
}
