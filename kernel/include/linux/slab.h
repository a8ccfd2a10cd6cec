/*
 * Follows Linux include/linux/slab.h (subset): kmalloc() and kmem caches.
 * Objects come from the host's slab window, one to a page (lmemu/machine.h,
 * emu/kasan.cpp), so every object is checked as KASAN/KFENCE would: a use
 * after kfree() or past the end is reported with both stacks. An object is
 * at most a page (no kmalloc_large()); 2048 can exist in a run.
 */
#ifndef _LINUX_SLAB_H
#define _LINUX_SLAB_H

#include <linux/types.h>
#include <linux/gfp.h>

#define SLAB_HWCACHE_ALIGN	0x00002000UL
#define SLAB_PANIC		0x00040000UL
#define SLAB_ACCOUNT		0x04000000UL

struct kmem_cache {
	const char *name;
	unsigned int size;
	void (*ctor)(void *);
};

void *__kmalloc(size_t size, const char *cache, gfp_t flags);
void kfree(const void *objp);

static inline void *kmalloc(size_t size, gfp_t flags) { return __kmalloc(size, NULL, flags); }
static inline void *kzalloc(size_t size, gfp_t flags) { return kmalloc(size, flags | __GFP_ZERO); }

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned long flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags);
void kmem_cache_free(struct kmem_cache *s, void *objp);

static inline void *kmem_cache_zalloc(struct kmem_cache *s, gfp_t flags)
{
	return kmem_cache_alloc(s, flags | __GFP_ZERO);
}

#endif
