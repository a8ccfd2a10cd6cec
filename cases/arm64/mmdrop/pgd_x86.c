/*
 * x86's pgd_alloc()/pgd_free() (arch/x86/mm/pgtable.c, without
 * SHARED_KERNEL_PMD): every pgd is on pgd_list under pgd_lock, so that
 * kernel mappings can be synced into it, and pgd_ctor()/pgd_dtor() take
 * the lock with a plain spin_lock(), as process context may. Here the list
 * is a count.
 */
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <asm/pgalloc.h>

DEFINE_SPINLOCK(pgd_lock);
static unsigned long pgd_list_len;

pgd_t *pgd_alloc(struct mm_struct *mm)
{
	phys_addr_t phys = __pgtable_alloc();

	if (!phys)
		return NULL;
	spin_lock(&pgd_lock);
	pgd_list_len++;		/* pgd_ctor(): pgd_list_add() */
	spin_unlock(&pgd_lock);
	return (pgd_t *)__va(phys);
}

void pgd_free(struct mm_struct *mm, pgd_t *pgd)
{
	spin_lock(&pgd_lock);
	pgd_list_len--;		/* pgd_dtor(): pgd_list_del() */
	spin_unlock(&pgd_lock);
	lmemu_hvc1(LMEMU_HVC_FREE_PGTABLE, __pa(pgd));
}
