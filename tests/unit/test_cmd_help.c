/* Unit tests: cmd_help — the command table and help's exit codes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cmd.h"

#include <getopt.h>
#include <string.h>

/* Every entry is complete and its synopsis starts with its own name, on
 * each of its lines: that is what -h prints after "usage: allowsync". */
static void
test_table(void **state)
{
	(void)state;
	assert_true(cmd_count >= 12);
	for (size_t i = 0; i < cmd_count; i++) {
		const struct command *c = &cmd_table[i];
		size_t n = strlen(c->name);
		assert_non_null(c->fn);
		assert_true(c->summary[0] != '\0');
		for (const char *p = c->synopsis; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
			if (strncmp(p, c->name, n) != 0 || (p[n] != ' ' && p[n] != '\n' && p[n]))
				fail_msg("%s: synopsis line \"%s\"", c->name, p);
		assert_ptr_equal(cmd_find(c->name), c);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(cmd_table[j].name, c->name);
	}
	assert_null(cmd_find("nosuch"));
	assert_null(cmd_find(""));
	assert_null(cmd_find("ru"));
}

static int
help(int argc, char **argv)
{
	struct global_opts g = {0};

	optind = 0;
	return cmd_help(argc, argv, &g);
}

static void
test_help_exit(void **state)
{
	char h[] = "help", why[] = "why", bad[] = "frobnicate", names[] = "--names",
	     dh[] = "--help", bogus[] = "--bogus";
	(void)state;
	assert_int_equal(help(1, (char *[]){h, NULL}), EXIT_OK);
	assert_int_equal(help(2, (char *[]){h, why, NULL}), EXIT_OK);
	assert_int_equal(help(2, (char *[]){h, bad, NULL}), EXIT_USAGE);
	assert_int_equal(help(3, (char *[]){h, why, why, NULL}), EXIT_USAGE);
	assert_int_equal(help(2, (char *[]){h, names, NULL}), EXIT_OK);
	assert_int_equal(help(3, (char *[]){h, names, why, NULL}), EXIT_USAGE);
	assert_int_equal(help(2, (char *[]){h, dh, NULL}), EXIT_OK);
	assert_int_equal(help(2, (char *[]){h, bogus, NULL}), EXIT_USAGE);
	assert_int_equal(cmd_usage("run", stdout), EXIT_OK);
	assert_int_equal(cmd_usage("run", stderr), EXIT_USAGE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_help_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
