/* Never returns: the time budget ends the run. */
void misbehave(void)
{
	for (;;)
		__asm__ volatile("" ::: "memory");
}
