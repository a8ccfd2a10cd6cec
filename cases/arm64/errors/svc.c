/* A system call from the kernel: there is no system-call layer. */
void misbehave(void)
{
	asm volatile("svc #0" ::: "memory");
}
