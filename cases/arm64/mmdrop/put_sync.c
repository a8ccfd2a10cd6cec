/* The RCU callback drops the mm at once: __mmdrop() runs in softirq context. */
#include <linux/sched/mm.h>

void hold_mm(struct mm_struct *mm)
{
	mmgrab(mm);
}

void put_mm_from_rcu(struct mm_struct *mm)
{
	mmdrop(mm);
}
