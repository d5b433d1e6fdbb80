/* Unit tests: authfile — the form of a credentials file, and the
 * permissions it must have; no message holds what the file holds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "authfile.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void
parses(const char *text, const char *user, const char *password, const char *header)
{
	struct http_auth a;
	const char *why = authfile_parse(text, strlen(text), &a);

	if (why)
		fail_msg("\"%s\" refused: %s", text, why);
	if (user) {
		assert_string_equal(a.user, user);
		assert_string_equal(a.password, password);
		assert_null(a.header);
	} else {
		assert_null(a.user);
		assert_string_equal(a.header, header);
	}
	http_auth_clear(&a);
	assert_null(a.user);
	assert_null(a.password);
	assert_null(a.header);
}

static void
refuses(const char *text, const char *why)
{
	struct http_auth a;
	const char *got = authfile_parse(text, strlen(text), &a);

	if (!got)
		fail_msg("\"%s\" accepted", text);
	assert_string_equal(got, why);
	assert_null(a.user);
	assert_null(a.password);
	assert_null(a.header);
}

static void
test_parse(void **state)
{
	(void)state;
	parses("alice:s3cret\n", "alice", "s3cret", NULL);
	parses("\n  alice:s3cret  \r\n\n", "alice", "s3cret", NULL);
	/* Only the first ':' splits: passwords may hold them. */
	parses("alice:a:b:c", "alice", "a:b:c", NULL);
	parses("alice:", "alice", "", NULL);
	parses("Authorization: Bearer abc.def\n", NULL, NULL, "Authorization: Bearer abc.def");
	parses("authorization:token xyz\r\n", NULL, NULL, "authorization:token xyz");

	refuses("", "empty");
	refuses("\n \n", "empty");
	refuses("alice", "neither user:password nor an \"Authorization: …\" header line");
	refuses(":s3cret", "user:password with an empty user");
	refuses("alice:s3cret\nbob:other\n",
		"more than one line (one user:password or one \"Authorization: …\" header line)");
	refuses("Authorization: Bearer x\nX-Evil: 1\n",
		"more than one line (one user:password or one \"Authorization: …\" header line)");
	refuses("Authorization:   \n", "an Authorization header without a value");
	refuses("alice:s3\001cret", "control or non-ASCII characters in it");
	refuses("alice:s3\xc3\xa9", "control or non-ASCII characters in it");
}

static const char *
write_file(const char *name, const char *text, mode_t mode)
{
	static char path[sizeof test_dir + 64];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static void
test_read(void **state)
{
	struct http_auth a;
	struct err err;
	char want[512];
	const char *path;

	(void)state;
	path = write_file("ok", "alice:s3cret\n", 0600);
	assert_int_equal(authfile_check(path, &err), 0);
	assert_int_equal(authfile_read(path, &a, &err), 0);
	assert_string_equal(a.user, "alice");
	assert_string_equal(a.password, "s3cret");
	http_auth_clear(&a);
	path = write_file("ro", "Authorization: Bearer t0ken\n", 0400);
	assert_int_equal(authfile_read(path, &a, &err), 0);
	assert_string_equal(a.header, "Authorization: Bearer t0ken");
	http_auth_clear(&a);

	/* Readable by others, or by the group: refused, by both. */
	path = write_file("open", "alice:s3cret\n", 0644);
	snprintf(want, sizeof want, "%s: group or others have access (mode 0644): chmod 600 it",
		 path);
	assert_int_equal(authfile_check(path, &err), -1);
	assert_string_equal(err.msg, want);
	assert_int_equal(authfile_read(path, &a, &err), -1);
	assert_string_equal(err.msg, want);
	assert_null(a.user);
	path = write_file("group", "alice:s3cret\n", 0640);
	assert_int_equal(authfile_read(path, &a, &err), -1);
	assert_non_null(strstr(err.msg, "(mode 0640)"));

	/* A bad form is named, its bytes never. */
	path = write_file("bad", "alice-s3cret\n", 0600);
	assert_int_equal(authfile_read(path, &a, &err), -1);
	snprintf(want, sizeof want,
		 "%s: neither user:password nor an \"Authorization: …\" header line", path);
	assert_string_equal(err.msg, want);
	assert_null(strstr(err.msg, "s3cret"));

	snprintf(want, sizeof want, "%s/none", test_dir);
	assert_int_equal(authfile_check(want, &err), -1);
	assert_non_null(strstr(err.msg, "No such file or directory"));
	assert_int_equal(authfile_read(test_dir, &a, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));

	/* Too large for credentials. */
	char big[AUTHFILE_MAX + 2];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	big[3] = ':';
	path = write_file("big", big, 0600);
	assert_int_equal(authfile_read(path, &a, &err), -1);
	assert_non_null(strstr(err.msg, "larger than 4096 bytes"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests(tests, test_dir_setup, test_dir_teardown);
}
