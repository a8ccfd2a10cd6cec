/* Recurses into the guard page below the 16 KiB boot stack. */
int misbehave_depth(int n)
{
	volatile char buf[512];

	buf[0] = (char)n;
	return misbehave_depth(n + 1) + buf[0];
}

void misbehave(void)
{
	misbehave_depth(0);
}
