/* Unit tests: err — setting, prefixing and truncating the one error type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "err.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static void
test_set(void **state)
{
	struct err e;
	(void)state;

	err_clear(&e);
	assert_string_equal(err_msg(&e), "");
	assert_int_equal(e.line, 0);
	assert_int_equal(err_set(&e, "bad %s at %d", "entry", 7), -1);
	assert_string_equal(e.msg, "bad entry at 7");
	assert_int_equal(e.line, 0);

	assert_int_equal(err_set_line(&e, 12, "unexpected \"%s\"", "x"), -1);
	assert_string_equal(e.msg, "unexpected \"x\"");
	assert_int_equal(e.line, 12);
	/* A plain set is about the whole input again. */
	err_set(&e, "read error");
	assert_int_equal(e.line, 0);

	/* The arguments may be the message itself. */
	err_set(&e, "inner");
	err_set(&e, "outer (%s)", e.msg);
	assert_string_equal(e.msg, "outer (inner)");

	err_set_line(&e, 3, "x");
	err_clear(&e);
	assert_string_equal(e.msg, "");
	assert_int_equal(e.line, 0);
}

static void
test_errno(void **state)
{
	struct err e;
	char want[256];
	(void)state;

	assert_int_equal(err_errno(&e, ENOENT, "open %s", "/x"), -1);
	snprintf(want, sizeof want, "open /x: %s", strerror(ENOENT));
	assert_string_equal(e.msg, want);
}

static void
test_prefix(void **state)
{
	struct err e;
	(void)state;

	err_set_line(&e, 5, "bad prefix length in \"10.0.0.0/33\"");
	assert_int_equal(err_prefix(&e, "source \"%s\"", "cf"), -1);
	assert_string_equal(e.msg, "source \"cf\": bad prefix length in \"10.0.0.0/33\"");
	assert_int_equal(e.line, 5);
	err_prefix(&e, "run");
	assert_string_equal(e.msg, "run: source \"cf\": bad prefix length in \"10.0.0.0/33\"");

	/* The context may quote the message. */
	err_set(&e, "abc");
	err_prefix(&e, "[%s]", e.msg);
	assert_string_equal(e.msg, "[abc]: abc");

	err_clear(&e);
	err_prefix(&e, "ctx");
	assert_string_equal(e.msg, "ctx: ");
}

/* Whatever is cut, the message stays a NUL-terminated string inside the
 * buffer; the front (the context) wins over the end (the detail). */
static void
test_truncate(void **state)
{
	static char big[3 * ERR_MAX];
	struct err e;
	(void)state;

	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';

	err_set(&e, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MAX - 1);

	/* A full message loses its end to the prefix. */
	err_prefix(&e, "ctx");
	assert_int_equal(strlen(e.msg), ERR_MAX - 1);
	assert_memory_equal(e.msg, "ctx: aaa", 8);

	/* A prefix that fills the buffer by itself. */
	err_set(&e, "detail");
	err_prefix(&e, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MAX - 1);
	assert_null(strstr(e.msg, "detail"));

	/* Exactly at the edge: "x" + ": " + the rest. */
	memset(big, 'b', ERR_MAX - 3);
	big[ERR_MAX - 3] = '\0';
	err_set(&e, "%s", big);
	err_prefix(&e, "x");
	assert_int_equal(strlen(e.msg), ERR_MAX - 1);
	assert_memory_equal(e.msg, "x: bb", 5);

	err_errno(&e, EACCES, "%s", big);
	assert_int_equal(strlen(e.msg), ERR_MAX - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_truncate),
	};
	return cmocka_run_group_tests_name("err", tests, NULL, NULL);
}
