/* Follows Linux v6.16 arch/arm64/include/asm/processor.h (subset). */
#ifndef __ASM_PROCESSOR_H
#define __ASM_PROCESSOR_H

/* Callee-saved registers, saved and restored by cpu_switch_to() (entry.S). */
struct cpu_context {
	unsigned long x19;
	unsigned long x20;
	unsigned long x21;
	unsigned long x22;
	unsigned long x23;
	unsigned long x24;
	unsigned long x25;
	unsigned long x26;
	unsigned long x27;
	unsigned long x28;
	unsigned long fp;
	unsigned long sp;
	unsigned long pc;
};

struct thread_struct {
	struct cpu_context	cpu_context;
};

/* The user address range, TTBR0's. */
#define TASK_SIZE	(1UL << VA_BITS)

#define cpu_relax()	asm volatile("yield" ::: "memory")

#endif
