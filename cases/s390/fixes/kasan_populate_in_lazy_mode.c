/* Before c519c3c0a113: the PTE is read and set inside the walk's lazy MMU section. */
#include "../kasan/populate_vmalloc.h"

void kasan_pte_ops_begin(void)
{
}

void kasan_pte_ops_end(void)
{
}
