/* A call through a NULL function pointer: an instruction fetch fault. */
void misbehave(void)
{
	void (*volatile fn)(void) = 0;

	fn();
}
