/*
 * CPU hotplug's lazy mm handling in v5.13, the kernel Andy Lutomirski's
 * hazard-pointer patch was applied to (seed 003): v6.13's (v6_13.c), but
 * finish_cpu() drops the idle task's lazy active_mm with a plain mmdrop(),
 * the reference it held under refcounting, which the patch removed.
 */
#define finish_cpu_mmdrop	mmdrop
#include "v6_13.c"
