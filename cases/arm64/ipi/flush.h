/* Each variant of flush-by-ipi.toml flushes a kernel page from every CPU's TLB its own way. */
#include <linux/mm.h>

/* Returns when, as the variant sees it, no CPU can use addr's old translation. */
void flush_kernel_page_by_ipi(unsigned long addr);
