#include "lazy_section.h"

void callback(void *info)
{
	set_pte(virt_to_kpte(VA_B), mk_pte((struct page *)info, PAGE_KERNEL));
	*(volatile unsigned long *)VA_B = 1;
}
