/* Follows Linux kernel/printk/printk.c in interface only: lines go to the host. */
#include <linux/kernel.h>
#include <lmemu/hypercall.h>

int printk(const char *fmt, ...)
{
	char buf[512];
	__builtin_va_list args;
	int n;

	__builtin_va_start(args, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, args);
	__builtin_va_end(args);
	if (n > 0 && n < (int)sizeof(buf) && buf[n - 1] == '\n')
		buf[--n] = '\0';
	lmemu_hvc2(LMEMU_HVC_PRINTK, (unsigned long)buf, sizeof(buf));
	return n;
}
