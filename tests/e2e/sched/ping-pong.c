/* Completions passed around a ring of two (or, with CONFIG_THIRD, three)
 * threads (twice around two, once around three); the scenario ends when
 * every thread has returned. */
#include <linux/kernel.h>
#include <linux/completion.h>

#define ROUNDS (IS_ENABLED(CONFIG_THIRD) ? 1 : 2)

static DECLARE_COMPLETION(to_ping);
static DECLARE_COMPLETION(to_pong);
static DECLARE_COMPLETION(to_third);

void ping(void)
{
	int i;

	for (i = 0; i < ROUNDS; i++) {
		complete(&to_pong);
		wait_for_completion(&to_ping);
	}
}

void pong(void)
{
	int i;

	for (i = 0; i < ROUNDS; i++) {
		wait_for_completion(&to_pong);
		complete(IS_ENABLED(CONFIG_THIRD) ? &to_third : &to_ping);
	}
}

void third(void)
{
	int i;

	for (i = 0; IS_ENABLED(CONFIG_THIRD) && i < ROUNDS; i++) {
		wait_for_completion(&to_third);
		complete(&to_ping);
	}
}
