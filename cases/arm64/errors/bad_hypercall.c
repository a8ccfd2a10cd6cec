/* A hypercall number the machine does not define. */
void misbehave(void)
{
	__asm__ volatile("hvc #0x1234");
}
