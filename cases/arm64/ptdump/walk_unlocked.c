/*
 * ptdump before bf2b59f60ee1 ("arm64/mm: Hold memory hotplug lock while
 * walking for kernel page table dump", v5.7): the walk takes no lock against
 * memory hot-remove, which frees the page tables of the range it removes.
 */
void ptdump_get_online_mems(void)
{
}

void ptdump_put_online_mems(void)
{
}
