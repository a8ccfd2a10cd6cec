/* Each variant of batched-flush-other-cpu.toml completes the batch its own way. */
#include <linux/mm.h>

/* arch_tlbbatch_flush() as the variant has it: called by the CPU that issued the TLBIs, before the hand-off ... */
void tlbbatch_flush_issuer(void);
/* ... and by the CPU that takes the work over, after it. */
void tlbbatch_flush_taker(void);
