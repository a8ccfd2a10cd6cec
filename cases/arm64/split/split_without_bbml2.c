/*
 * split_kernel_leaf_mapping() without its system_supports_bbml2_noabort()
 * check: a kernel that splits live linear-map blocks on any CPU. Without
 * FEAT_BBM level 2 a live block may not change size in place; the split
 * would need break-before-make, which the linear map, in use by the CPU
 * doing the split, cannot have. That is why a166563e7ec3 splits only on
 * BBML2_NOABORT systems and maps the linear map with pages elsewhere.
 */
#include <linux/mm.h>

int split_kernel_leaf_mapping(unsigned long start, unsigned long end)
{
	int ret;

	if (force_pte_mapping())
		return 0;

	lazy_mmu_mode_enable();
	ret = split_kernel_leaf_mapping_locked(start);
	if (!ret)
		ret = split_kernel_leaf_mapping_locked(end);
	lazy_mmu_mode_disable();
	return ret;
}
