/*
 * check_and_switch_context()'s fast path before a8ffaaa060b8 ("arm64: asid:
 * Do not replace active_asids if already 0", v4.19): an xchg that writes
 * this CPU's ASID into active_asids even when a rollover on another CPU has
 * just set it to 0. The CPU then takes the slow path all the same, but a
 * second rollover meanwhile copies the ASID it wrote into reserved_asids.
 */
#include <linux/atomic.h>

long long active_asid_fastpath(atomic64_t *active, long long old, long long asid)
{
	return atomic64_xchg(active, asid);
}
