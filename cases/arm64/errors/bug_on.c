#include <linux/bug.h>

void misbehave(void)
{
	volatile int broken = 1;

	BUG_ON(broken);
}
