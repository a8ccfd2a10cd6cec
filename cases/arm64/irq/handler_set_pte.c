/* A softirq that maps a vmalloc page with set_pte() and reads it at once. */
#include <linux/mm.h>

extern unsigned long va_irq;
extern struct page *irq_page;

void softirq_handler(void)
{
	set_pte(virt_to_kpte(va_irq), mk_pte(irq_page, PAGE_KERNEL));
	(void)READ_ONCE(*(unsigned long *)va_irq);
}
