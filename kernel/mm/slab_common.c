/*
 * Follows Linux v6.16 mm/slab_common.c in interface: kmalloc(), kfree(),
 * kmem_cache_create(), kmem_cache_alloc(), kmem_cache_free().
 *
 * Differs from Linux: no slabs. Every object is its own page in the host's
 * slab window (lmemu/machine.h), which is what lets the host report any
 * access after the free as KASAN does; caches carry a name and a size only.
 */
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/bug.h>
#include <linux/sched.h>
#include <linux/rcupdate.h>
#include <lmemu/hypercall.h>

#define MAX_CACHES	32

static struct kmem_cache caches[MAX_CACHES];
static int nr_caches;

void *__kmalloc(size_t size, const char *cache, gfp_t flags)
{
	void *p;

	if (flags & __GFP_DIRECT_RECLAIM)
		might_sleep();
	p = (void *)lmemu_hvc2(LMEMU_HVC_KMALLOC, size, cache);
	if (p && (flags & __GFP_ZERO))
		memset(p, 0, size);
	return p;
}

void kfree(const void *objp)
{
	/* memcg_slab_free_hook(): the object's obj_cgroup is read under RCU. */
	rcu_read_lock();
	rcu_read_unlock();
	lmemu_hvc1(LMEMU_HVC_KFREE, objp);
}

struct kmem_cache *kmem_cache_create(const char *name, unsigned int size, unsigned int align,
				     unsigned long flags, void (*ctor)(void *))
{
	struct kmem_cache *s;

	if (nr_caches == MAX_CACHES) {
		BUG_ON(flags & SLAB_PANIC);
		return NULL;
	}
	s = &caches[nr_caches++];
	s->name = name;
	s->size = size;
	s->ctor = ctor;
	return s;
}

void *kmem_cache_alloc(struct kmem_cache *s, gfp_t flags)
{
	void *p = __kmalloc(s->size, s->name, flags);

	if (p && s->ctor)
		s->ctor(p);
	return p;
}

void kmem_cache_free(struct kmem_cache *s, void *objp)
{
	kfree(objp);
}
