/* A call to secure firmware (PSCI, say): there is no firmware. */
void misbehave(void)
{
	asm volatile("smc #0" ::: "memory");
}
