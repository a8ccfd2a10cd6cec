/* udf #0: a permanently undefined encoding. */
void misbehave(void)
{
	__asm__ volatile("udf #0");
}
