/* Unit tests: plural — "1 entry", "0 entries", "2 entries". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "plural.h"

#include <stdint.h>

static void
test_plural(void **state)
{
	(void)state;
	assert_string_equal(plural(1, "source", "sources"), "source");
	assert_string_equal(plural(0, "source", "sources"), "sources");
	assert_string_equal(plural(2, "source", "sources"), "sources");
	assert_string_equal(plural(SIZE_MAX, "a", "b"), "b");
	assert_string_equal(ENTRIES(1), "entry");
	assert_string_equal(ENTRIES(11), "entries");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plural),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
