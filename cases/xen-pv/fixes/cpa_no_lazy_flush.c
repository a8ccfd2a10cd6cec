/* Before 4f06b0436b2d: CPA does not flush lazy MMU mode. */
void cpa_flush_lazy_mmu(void)
{
}
