/*
 * Follows Linux v6.16 arch/arm64/kernel/entry.S (subset): the EL1 IRQ entry
 * (kernel_entry / kernel_exit around el1_interrupt()), cpu_switch_to() and
 * ret_from_fork.
 *
 * Differs from Linux: there is no vector table. lmemu has no interrupt
 * controller, so the host takes the exception itself when it injects an
 * interrupt, as the CPU would: ELR_EL1 = where the CPU was, SPSR_EL1 =
 * PSTATE, DAIF masked, pc = el1h_64_irq. Only SP_EL1 is used (EL1h); no
 * shadow call stack, no pointer authentication.
 */
#include <asm/ptrace.h>
#include <asm/asm-offsets.h>

	.text

	.globl	el1h_64_irq
	.type	el1h_64_irq, %function
	.balign	16
el1h_64_irq:
	sub	sp, sp, #PT_REGS_SIZE
	stp	x0, x1, [sp, #16 * 0]
	stp	x2, x3, [sp, #16 * 1]
	stp	x4, x5, [sp, #16 * 2]
	stp	x6, x7, [sp, #16 * 3]
	stp	x8, x9, [sp, #16 * 4]
	stp	x10, x11, [sp, #16 * 5]
	stp	x12, x13, [sp, #16 * 6]
	stp	x14, x15, [sp, #16 * 7]
	stp	x16, x17, [sp, #16 * 8]
	stp	x18, x19, [sp, #16 * 9]
	stp	x20, x21, [sp, #16 * 10]
	stp	x22, x23, [sp, #16 * 11]
	stp	x24, x25, [sp, #16 * 12]
	stp	x26, x27, [sp, #16 * 13]
	stp	x28, x29, [sp, #16 * 14]
	add	x21, sp, #PT_REGS_SIZE
	mrs	x22, elr_el1
	mrs	x23, spsr_el1
	stp	x30, x21, [sp, #S_LR]
	stp	x22, x23, [sp, #S_PC]
	/* A frame record naming the interrupted pc, so backtraces go through it. */
	stp	x29, x22, [sp, #S_STACKFRAME]
	add	x29, sp, #S_STACKFRAME

	mov	x0, sp
	bl	el1_interrupt

	ldp	x21, x22, [sp, #S_PC]
	msr	elr_el1, x21
	msr	spsr_el1, x22
	ldp	x0, x1, [sp, #16 * 0]
	ldp	x2, x3, [sp, #16 * 1]
	ldp	x4, x5, [sp, #16 * 2]
	ldp	x6, x7, [sp, #16 * 3]
	ldp	x8, x9, [sp, #16 * 4]
	ldp	x10, x11, [sp, #16 * 5]
	ldp	x12, x13, [sp, #16 * 6]
	ldp	x14, x15, [sp, #16 * 7]
	ldp	x16, x17, [sp, #16 * 8]
	ldp	x18, x19, [sp, #16 * 9]
	ldp	x20, x21, [sp, #16 * 10]
	ldp	x22, x23, [sp, #16 * 11]
	ldp	x24, x25, [sp, #16 * 12]
	ldp	x26, x27, [sp, #16 * 13]
	ldp	x28, x29, [sp, #16 * 14]
	ldr	x30, [sp, #S_LR]
	add	sp, sp, #PT_REGS_SIZE
	eret
	.size	el1h_64_irq, . - el1h_64_irq

/*
 * Register switch for AArch64. The callee-saved registers need to be saved
 * and restored. On entry:
 *   x0 = previous task_struct (must be preserved across the switch)
 *   x1 = next task_struct
 * Previous and next are guaranteed not to be the same.
 */
	.globl	cpu_switch_to
	.type	cpu_switch_to, %function
cpu_switch_to:
	mov	x10, #THREAD_CPU_CONTEXT
	add	x8, x0, x10
	mov	x9, sp
	stp	x19, x20, [x8], #16		// store callee-saved registers
	stp	x21, x22, [x8], #16
	stp	x23, x24, [x8], #16
	stp	x25, x26, [x8], #16
	stp	x27, x28, [x8], #16
	stp	x29, x9, [x8], #16
	str	x30, [x8]
	add	x8, x1, x10
	ldp	x19, x20, [x8], #16		// restore callee-saved registers
	ldp	x21, x22, [x8], #16
	ldp	x23, x24, [x8], #16
	ldp	x25, x26, [x8], #16
	ldp	x27, x28, [x8], #16
	ldp	x29, x9, [x8], #16
	ldr	x30, [x8]
	mov	sp, x9
	msr	sp_el0, x1
	ret
	.size	cpu_switch_to, . - cpu_switch_to

/*
 * This is how a kernel thread starts: x19 = fn, x20 = its argument, x0 =
 * the task switched away from. A thread function that returns exits.
 */
	.globl	ret_from_fork
	.type	ret_from_fork, %function
ret_from_fork:
	mov	x29, xzr
	mov	x30, xzr
	bl	schedule_tail
	mov	x0, x20
	blr	x19
	bl	do_exit
	.size	ret_from_fork, . - ret_from_fork
