/* Unit tests: hook — argv splitting without a shell, running with a timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hook.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void
split_is(const char *cmd, const char *const *want)
{
	struct err reason;
	char **argv = hook_split(cmd, &reason);
	size_t i;

	if (!argv)
		fail_msg("\"%s\" refused: %s", cmd, reason.msg);
	for (i = 0; want[i]; i++) {
		if (!argv[i])
			fail_msg("\"%s\": only %zu words", cmd, i);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[i]);
	hook_argv_free(argv);
}

static void
test_split(void **state)
{
	struct err reason;
	(void)state;

	split_is("/usr/sbin/postfix reload", (const char *const[]){"/usr/sbin/postfix", "reload", NULL});
	split_is("  a\tb  ", (const char *const[]){"a", "b", NULL});
	split_is("echo 'a b' \"c d\" e\\ f", (const char *const[]){"echo", "a b", "c d", "e f", NULL});
	split_is("x 'it''s' \"q\\\"\\\\\"", (const char *const[]){"x", "its", "q\"\\", NULL});
	split_is("echo ''", (const char *const[]){"echo", "", NULL});
	/* No shell: these are plain words. */
	split_is("a $HOME ; rm -rf / | b > c",
		 (const char *const[]){"a", "$HOME", ";", "rm", "-rf", "/", "|", "b", ">", "c", NULL});
	assert_null(hook_split("", &reason));
	assert_string_equal(reason.msg, "empty command");
	assert_null(hook_split("   ", &reason));
	assert_null(hook_split("a 'b", &reason));
	assert_non_null(strstr(reason.msg, "unterminated"));
	assert_null(hook_split("a \"b", &reason));
	assert_null(hook_split("a \\", &reason));
	hook_argv_free(NULL);
}

static int
run(const char *cmd, uint64_t timeout, struct err *err)
{
	struct err reason;
	char **argv = hook_split(cmd, &reason);
	assert_non_null(argv);
	int r = hook_run(argv, timeout, err);
	hook_argv_free(argv);
	return r;
}

static void
test_run(void **state)
{
	struct err err;
	char path[64], cmd[256];
	(void)state;

	assert_int_equal(run("/bin/true", 5, &err), 0);
	assert_int_equal(run("true", 5, &err), 0); /* PATH search */
	assert_int_equal(run("/bin/false", 5, &err), -1);
	assert_string_equal(err.msg, "/bin/false exited with status 1");
	assert_int_equal(run("/bin/sh -c 'exit 3'", 5, &err), -1);
	assert_string_equal(err.msg, "/bin/sh exited with status 3");
	assert_int_equal(run("/nonexistent/cmd", 5, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run /nonexistent/cmd"));
	assert_int_equal(run("/bin/sh -c 'kill -9 $$'", 5, &err), -1);
	assert_string_equal(err.msg, "/bin/sh killed by signal 9");

	/* stdin is /dev/null: a hook cannot eat the caller's input. */
	snprintf(path, sizeof path, "/tmp/test_hook.%d", (int)getpid());
	snprintf(cmd, sizeof cmd, "/bin/sh -c 'cat > %s'", path);
	assert_int_equal(run(cmd, 5, &err), 0);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fgetc(f), EOF);
	fclose(f);
	unlink(path);

	/* Timeout: the whole process group goes, within the grace period. */
	time_t t0 = time(NULL);
	assert_int_equal(run("/bin/sh -c 'sleep 30 & sleep 30'", 1, &err), -1);
	assert_string_equal(err.msg, "/bin/sh timed out after 1s");
	assert_true(time(NULL) - t0 < 10);
	/* A hook that ignores SIGTERM is killed. */
	t0 = time(NULL);
	assert_int_equal(run("/bin/sh -c 'trap \"\" TERM; sleep 30'", 1, &err), -1);
	assert_true(time(NULL) - t0 < 10);
}

static int
capture(const char *cmd, uint64_t timeout, size_t max, char **out, struct err *err)
{
	struct err reason;
	char **argv = hook_split(cmd, &reason);
	size_t len = 0;
	assert_non_null(argv);
	int r = hook_capture(argv[0], argv, timeout, max, out, &len, err);
	hook_argv_free(argv);
	if (r == 0)
		assert_int_equal(len, strlen(*out));
	else
		assert_null(*out);
	return r;
}

static void
test_capture(void **state)
{
	struct err err;
	char *out;
	(void)state;

	/* stdout collected, stderr not in it. */
	assert_int_equal(capture("/bin/sh -c 'echo a = 1; echo noise >&2; printf b'", 5, 100, &out,
				 &err),
			 0);
	assert_string_equal(out, "a = 1\nb");
	free(out);
	assert_int_equal(capture("/bin/true", 5, 100, &out, &err), 0);
	assert_string_equal(out, "");
	free(out);
	/* More than a pipe holds: read while the program writes. */
	assert_int_equal(capture("/bin/sh -c 'seq 1 100000'", 5, 1u << 20, &out, &err), 0);
	assert_non_null(strstr(out, "\n100000\n"));
	free(out);

	/* A failure says how it ended and the last thing it wrote to stderr,
	 * however much came before. */
	assert_int_equal(capture("/bin/sh -c 'seq 1 20000 >&2; echo fatal: no main.cf >&2; exit 1'",
				 5, 100, &out, &err),
			 -1);
	assert_string_equal(err.msg, "/bin/sh exited with status 1: fatal: no main.cf");
	assert_int_equal(capture("/bin/sh -c 'exit 2'", 5, 100, &out, &err), -1);
	assert_string_equal(err.msg, "/bin/sh exited with status 2");
	assert_int_equal(capture("/nonexistent/postconf", 5, 100, &out, &err), -1);
	assert_non_null(strstr(err.msg, "cannot run /nonexistent/postconf"));

	/* Bounded: in size, and in time (the whole group goes). */
	assert_int_equal(capture("/bin/sh -c 'seq 1 1000'", 5, 100, &out, &err), -1);
	assert_string_equal(err.msg, "/bin/sh printed more than 100 bytes");
	time_t t0 = time(NULL);
	assert_int_equal(capture("/bin/sh -c 'echo x; sleep 30 & sleep 30'", 1, 100, &out, &err),
			 -1);
	assert_string_equal(err.msg, "/bin/sh timed out after 1s");
	assert_true(time(NULL) - t0 < 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_run),
		cmocka_unit_test(test_capture),
	};
	return cmocka_run_group_tests_name("hook", tests, NULL, NULL);
}
