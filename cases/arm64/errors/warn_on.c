#include <linux/bug.h>

void misbehave(void)
{
	volatile int odd = 1;

	WARN_ON(odd);
}
