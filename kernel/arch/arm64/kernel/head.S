/*
 * Entry point. Unlike Linux v6.16 arch/arm64/kernel/head.S there is almost
 * nothing to set up: the host has already turned the MMU on, built the page
 * tables and set sp (boot stack) and sp_el0 (current).
 *
 * One thing only the guest can do: Unicorn 2.0.1 keeps the translation
 * regime it computed at reset (Secure EL1) after the host sets SCR_EL3.NS, so
 * the host's TLB flushes would miss the entries in use. Writing SCTLR_EL1
 * from the guest makes Unicorn recompute it. The CPU then tells the host
 * (LMEMU_HVC_BOOTED), which empties its TLB there; on the boot CPU that is
 * also the point the host snapshots, so every run on a reused machine starts
 * there. Then clear the frame pointer so backtraces end here. Every CPU's
 * entry does this first (cpu_setup); it leaves x0..x2 alone.
 */
	.macro	cpu_setup
	mrs	x9, sctlr_el1
	msr	sctlr_el1, x9
	isb
	hvc	#21		/* LMEMU_HVC_BOOTED */
	mov	x29, xzr
	mov	x30, xzr
	.endm

	.text
	.globl	_start
	.type	_start, %function
_start:
	cpu_setup
	bl	start_kernel
	hvc	#1		/* LMEMU_HVC_EXIT, in case start_kernel returns */
	b	.
	.size	_start, . - _start

/*
 * Where a secondary CPU starts for smp_call_function_single(): the host has
 * set sp, sp_el0 and x0 = func, x1 = info.
 */
	.globl	secondary_entry
	.type	secondary_entry, %function
secondary_entry:
	cpu_setup
	mov	x9, x0
	mov	x0, x1
	blr	x9
	hvc	#12		/* LMEMU_HVC_SMP_RETURN */
	b	.
	.size	secondary_entry, . - secondary_entry

/*
 * Where a secondary CPU starts when the host first wakes it to run a task
 * (a reschedule IPI), or when add_cpu() powers it on again (PSCI CPU_ON):
 * the host has set sp (its boot stack) and sp_el0 (its idle task).
 * secondary_start_kernel() ends in the idle loop.
 */
	.globl	secondary_startup
	.type	secondary_startup, %function
secondary_startup:
	cpu_setup
	bl	secondary_start_kernel
	b	.
	.size	secondary_startup, . - secondary_startup
