/* Follows Linux include/linux/irqflags.h (subset, no lockdep tracing). */
#ifndef _LINUX_TRACE_IRQFLAGS_H
#define _LINUX_TRACE_IRQFLAGS_H

#include <asm/irqflags.h>

#define local_irq_enable()		arch_local_irq_enable()
#define local_irq_disable()		arch_local_irq_disable()
#define local_irq_save(flags)		do { (flags) = arch_local_irq_save(); } while (0)
#define local_irq_restore(flags)	arch_local_irq_restore(flags)
#define local_save_flags(flags)		do { (flags) = arch_local_save_flags(); } while (0)
#define irqs_disabled()			arch_irqs_disabled()
#define irqs_disabled_flags(flags)	arch_irqs_disabled_flags(flags)

#endif
