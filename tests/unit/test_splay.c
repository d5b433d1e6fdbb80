/* Unit tests: splay — the duration (0 to 1d) and the choice (within
 * [0, max], every second of it possible). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "splay.h"

#include <string.h>
#include <time.h>

static void
test_parse(void **state)
{
	(void)state;
	uint64_t v = 42;

	assert_null(splay_parse("0", &v));
	assert_int_equal(v, 0);
	assert_null(splay_parse("900", &v));
	assert_int_equal(v, 900);
	assert_null(splay_parse("15m", &v));
	assert_int_equal(v, 900);
	assert_null(splay_parse("1d", &v));
	assert_int_equal(v, 86400);
	assert_null(splay_parse("24h", &v));
	assert_int_equal(v, SPLAY_MAX);

	v = 7;
	assert_string_equal(splay_parse("86401", &v), "at most 1d");
	assert_string_equal(splay_parse("2w", &v), "at most 1d");
	assert_non_null(splay_parse("", &v));
	assert_non_null(splay_parse("-5m", &v));
	assert_non_null(splay_parse("5 min", &v));
	assert_non_null(strstr(splay_parse("5y", &v), "unit"));
	assert_int_equal(v, 7); /* untouched by a refusal */
}

static void
test_choose(void **state)
{
	(void)state;
	int seen[4] = {0};

	assert_int_equal(splay_choose(0), 0);
	/* Within [0, 3], both ends included: 400 draws miss one of the four
	 * values with a probability of 4 * 0.75^400 (< 1e-49). */
	for (int i = 0; i < 400; i++) {
		uint64_t s = splay_choose(3);
		assert_true(s <= 3);
		seen[s]++;
	}
	for (int i = 0; i < 4; i++)
		assert_true(seen[i] > 0);
	for (int i = 0; i < 1000; i++)
		assert_true(splay_choose(SPLAY_MAX) <= SPLAY_MAX);
	/* Beyond the maximum (not from splay_parse): capped. */
	for (int i = 0; i < 1000; i++)
		assert_true(splay_choose(UINT64_MAX) <= SPLAY_MAX);
}

static void
test_sleep(void **state)
{
	(void)state;
	struct timespec a, b;

	/* No wait at all for 0 (the waiting itself: the run_splay case). */
	clock_gettime(CLOCK_MONOTONIC, &a);
	splay_sleep(0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	assert_true(b.tv_sec - a.tv_sec < 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_sleep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
