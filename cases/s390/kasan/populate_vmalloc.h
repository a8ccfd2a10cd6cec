/*
 * KASAN's vmalloc shadow population as of v6.17 (mm/kasan/shadow.c), after
 * 08c7c253e032 (the populate race: the PTE is checked and set under
 * init_mm.page_table_lock) and b6ea95a34cbd (the pages are allocated before
 * the walk): apply_to_page_range() runs kasan_populate_vmalloc_pte() on each
 * shadow PTE inside its lazy MMU section (kasan/populate_vmalloc_pte.c).
 * Whether the callback steps out of lazy MMU mode around its PTE operations
 * (c519c3c0a113) is the variant: kasan_pte_ops_begin()/_end().
 */
#include <linux/mm.h>
#include <linux/gfp.h>
#include <linux/spinlock.h>

#define KASAN_VMALLOC_INVALID	0xf8
/* KASAN's __memset() is memset() here: the guest is not instrumented. */
#define SHADOW_START		(VMALLOC_START + 256 * PAGE_SIZE)

struct vmalloc_populate_data {
	unsigned long start;
	struct page **pages;
};

int kasan_populate_vmalloc_pte(pte_t *ptep, unsigned long addr, void *_data);
void kasan_pte_ops_begin(void);
void kasan_pte_ops_end(void);
