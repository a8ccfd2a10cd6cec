/*
 * The reference past the last user keeps the struct only (seed 002's third
 * refcount): the RCU callback's drop frees the struct and nothing else;
 * the pgd went with the last mm_count reference, in process context.
 */
#include <linux/sched/mm.h>

void hold_mm(struct mm_struct *mm)
{
	mmgrab_struct(mm);
}

void put_mm_from_rcu(struct mm_struct *mm)
{
	mmdrop_struct(mm);
}
