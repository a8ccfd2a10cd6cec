/*
 * Follows Linux include/linux/kconfig.h: IS_ENABLED(CONFIG_FOO) is 1 when the
 * case sets FOO = true (lmemu defines CONFIG_FOO as 1) and 0 when it does not
 * or sets it false or 0, usable in C expressions and #if alike.
 */
#ifndef __LINUX_KCONFIG_H
#define __LINUX_KCONFIG_H

#define __ARG_PLACEHOLDER_1 0,
#define __take_second_arg(__ignored, val, ...) val
#define __is_defined(x)			___is_defined(x)
#define ___is_defined(val)		____is_defined(__ARG_PLACEHOLDER_##val)
#define ____is_defined(arg1_or_junk)	__take_second_arg(arg1_or_junk 1, 0)

#define IS_BUILTIN(option)	__is_defined(option)
#define IS_MODULE(option)	0	/* no modules */
#define IS_ENABLED(option)	IS_BUILTIN(option)

#endif
