/* Points TTBR1_EL1 at tables of its own: walks would leave the watched pool. */
void misbehave(void)
{
	asm volatile("msr ttbr1_el1, %0" :: "r"(0x40000000UL) : "memory");
}
