/*
 * Follows Linux v6.16 arch/arm64/include/asm/ptrace.h (subset): the frame
 * kernel_entry saves on an exception, with the frame record that links the
 * interrupted code into backtraces. S_* offsets are for entry.S.
 */
#ifndef __ASM_PTRACE_H
#define __ASM_PTRACE_H

#define S_X0		0
#define S_LR		240
#define S_SP		248
#define S_PC		256
#define S_PSTATE	264
#define S_STACKFRAME	272
#define PT_REGS_SIZE	288

#ifndef __ASSEMBLER__
struct pt_regs {
	unsigned long regs[31];
	unsigned long sp;
	unsigned long pc;
	unsigned long pstate;
	unsigned long stackframe[2];	/* fp, pc: a frame record */
};

_Static_assert(sizeof(struct pt_regs) == PT_REGS_SIZE, "entry.S assumes this layout");
_Static_assert(__builtin_offsetof(struct pt_regs, stackframe) == S_STACKFRAME, "entry.S assumes this layout");
#endif

#endif
