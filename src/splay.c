/* splay — a random wait before collecting. */
#include "splay.h"

#include "confval.h"

#include <errno.h>
#include <sodium.h>
#include <time.h>

const char *
splay_parse(const char *s, uint64_t *secs)
{
	uint64_t v;
	const char *why = conf_parse_duration(s, &v);

	if (why)
		return why;
	if (v > SPLAY_MAX)
		return "at most 1d";
	*secs = v;
	return NULL;
}

uint64_t
splay_choose(uint64_t max)
{
	/* Without a generator, no wait: running now is better than not running. */
	if (max == 0 || sodium_init() < 0)
		return 0;
	if (max > SPLAY_MAX)
		max = SPLAY_MAX;
	return randombytes_uniform((uint32_t)max + 1);
}

void
splay_sleep(uint64_t secs)
{
	struct timespec left = {.tv_sec = (time_t)secs, .tv_nsec = 0};

	while (nanosleep(&left, &left) < 0 && errno == EINTR)
		;
}
