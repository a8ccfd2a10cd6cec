/* The RCU callback punts the drop to a worker (mmdrop_async()): __mmdrop() runs in process context. */
#include <linux/sched/mm.h>

void hold_mm(struct mm_struct *mm)
{
	mmgrab(mm);
}

void put_mm_from_rcu(struct mm_struct *mm)
{
	mmdrop_async(mm);
}
