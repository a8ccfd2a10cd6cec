/* Each variant of map-publish-before-dsb.toml writes the new entry its own way. */
#include <linux/mm.h>

void map_and_publish(pte_t *ptep, pte_t pte, int *ready);
