/* Does not wait for the IPIs: the other CPUs flush whenever they take them. */
#include "flush.h"
#include "flush_common.h"
#include <linux/smp.h>

void flush_kernel_page_by_ipi(unsigned long addr)
{
	static unsigned long flush_addr;

	flush_addr = addr;
	on_each_cpu(ipi_flush_tlb_kernel_page, &flush_addr, 0);
}
