/*
 * kasan_populate_vmalloc_pte() of v6.17 (mm/kasan/shadow.c): the shadow
 * page was allocated before the walk (b6ea95a34cbd); the PTE is checked and
 * set under init_mm.page_table_lock (08c7c253e032). What surrounds the PTE
 * operations, kasan_pte_ops_begin()/_end(), is the variant (c519c3c0a113).
 */
#include "populate_vmalloc.h"

int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr, void *_data)
{
	struct vmalloc_populate_data *data = _data;
	int index = (addr - data->start) >> PAGE_SHIFT;
	struct page *page = data->pages[index];
	pte_t pte;

	kasan_pte_ops_begin();

	memset(page_to_virt(page), KASAN_VMALLOC_INVALID, PAGE_SIZE);
	pte = pfn_pte(page_to_pfn(page), PAGE_KERNEL);

	spin_lock(&init_mm.page_table_lock);
	if (likely(pte_none(ptep_get(ptep)))) {
		set_pte_at(&init_mm, addr, ptep, pte);
		data->pages[index] = NULL;
	}
	spin_unlock(&init_mm.page_table_lock);

	kasan_pte_ops_end();
	return 0;
}
