#include "lazy_section.h"

void callback(void *info)
{
	lazy_mmu_mode_enable();
}
