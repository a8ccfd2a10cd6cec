void misbehave(void)
{
	*(volatile unsigned long *)0 = 1;
}
