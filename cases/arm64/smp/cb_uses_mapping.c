#include "lazy_section.h"

void callback(void *info)
{
	*(volatile unsigned long *)VA_A = 1;
}
