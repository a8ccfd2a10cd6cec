/*
 * A small vsnprintf() in the place of Linux lib/vsprintf.c: %d %i %u %x %X
 * %o %p %s %c %%, with '0'/'-' flags, a width and the h/hh/l/ll/z/t length
 * modifiers. %p prints the raw address (no hashing).
 */
#include <linux/kernel.h>

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long long v, int base, bool upper,
		    bool negative, int width, bool zero, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, pad;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = width - n - (negative ? 1 : 0);
	if (!left && !zero)
		while (pad-- > 0)
			put(o, ' ');
	if (negative)
		put(o, '-');
	if (!left && zero)
		while (pad-- > 0)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	if (left)
		while (pad-- > 0)
			put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, __builtin_va_list args)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool zero = false, left = false;
		int width = 0, lng = 0;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else if (*fmt == '#' || *fmt == ' ' || *fmt == '+')
				;
			else
				break;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z' || *fmt == 't')
				lng++;
			else if (*fmt != 'h')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = lng ? __builtin_va_arg(args, long long) : __builtin_va_arg(args, int);
			put_num(&o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, false, v < 0,
				width, zero, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X':
		case 'o': {
			unsigned long long v = lng ? __builtin_va_arg(args, unsigned long long)
						   : __builtin_va_arg(args, unsigned int);
			int base = *fmt == 'u' ? 10 : *fmt == 'o' ? 8 : 16;

			put_num(&o, v, base, *fmt == 'X', false, width, zero, left);
			break;
		}
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			put_num(&o, (unsigned long)__builtin_va_arg(args, void *), 16, false, false, width, zero, left);
			break;
		case 's': {
			const char *s = __builtin_va_arg(args, const char *);

			if (!s)
				s = "(null)";
			while (*s)
				put(&o, *s++);
			break;
		}
		case 'c':
			put(&o, (char)__builtin_va_arg(args, int));
			break;
		case '%':
			put(&o, '%');
			break;
		default:
			put(&o, '%');
			if (*fmt)
				put(&o, *fmt);
			else
				fmt--;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	__builtin_va_list args;
	int n;

	__builtin_va_start(args, fmt);
	n = vsnprintf(buf, size, fmt, args);
	__builtin_va_end(args);
	return n;
}
