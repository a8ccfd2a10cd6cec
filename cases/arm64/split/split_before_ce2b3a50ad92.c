/*
 * split_kernel_leaf_mapping() as a166563e7ec3 added it (v6.18-rc1), before
 * ce2b3a50ad92: on a BBML2_NOABORT system it takes pgtable_split_lock even
 * when the linear map is pte-mapped (DEBUG_PAGEALLOC, KFENCE) and there is
 * nothing to split, and DEBUG_PAGEALLOC gets here from atomic context.
 */
#include <linux/mm.h>
#include <linux/mutex.h>
#include <asm/cpufeature.h>

static DEFINE_MUTEX(pgtable_split_lock);

int split_kernel_leaf_mapping(unsigned long start, unsigned long end)
{
	int ret;

	if (!system_supports_bbml2_noabort())
		return 0;

	if (start != PAGE_ALIGN(start) || end != PAGE_ALIGN(end))
		return -EINVAL;

	mutex_lock(&pgtable_split_lock);
	lazy_mmu_mode_enable();

	ret = split_kernel_leaf_mapping_locked(start);
	if (!ret)
		ret = split_kernel_leaf_mapping_locked(end);

	lazy_mmu_mode_disable();
	mutex_unlock(&pgtable_split_lock);
	return ret;
}
