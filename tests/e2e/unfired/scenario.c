/* For the unfired-injection tests: step() runs 4 times on CPU 0,
 * only_on_cpu1() once on CPU 1, and no store comes anywhere near 99999999. */
#include <linux/mm.h>
#include <linux/smp.h>

noinline void step(void) { barrier(); }
noinline void only_on_cpu1(void) { barrier(); }
static void remote(void *info) { only_on_cpu1(); }
void handler(void) { }

void scenario(void)
{
	int i;

	for (i = 0; i < 4; i++)
		step();
	smp_call_function_single(1, remote, NULL, 1);
}
