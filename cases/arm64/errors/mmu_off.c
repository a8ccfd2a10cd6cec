/* Clears SCTLR_EL1.M: the next instruction fetch is untranslated. */
void misbehave(void)
{
	unsigned long v;

	asm volatile("mrs %0, sctlr_el1\n\tbic %0, %0, #1\n\tmsr sctlr_el1, %0\n\tisb" : "=r"(v) :: "memory");
}
