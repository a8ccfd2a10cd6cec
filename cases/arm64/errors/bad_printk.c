/* printk's hypercall handed a pointer nothing maps. */
#include <lmemu/hypercall.h>

void misbehave(void)
{
	lmemu_hvc2(LMEMU_HVC_PRINTK, 0xffff800123450000UL, 16);
}
