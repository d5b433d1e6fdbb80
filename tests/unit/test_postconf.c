/* Unit tests: postconf — its output parsed, the program found on PATH,
 * and the four runs with their arguments (a stand-in postconf that
 * prints what it was asked). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "postconf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PATH as the tests found it (they change it; the teardown needs rm). */
static char *saved_path;

static int
restore_path(void **state)
{
	(void)state;
	setenv("PATH", saved_path, 1);
	return chdir("/");
}

static void
parse(const char *text, struct postconf_map *m, int want)
{
	struct err err;
	char *copy = strdup(text);

	assert_non_null(copy);
	int r = postconf_parse(copy, strlen(copy), m, &err);
	if (r != want)
		fail_msg("\"%s\": %d (%s)", text, r, r ? err.msg : "");
}

static void
test_parse(void **state)
{
	struct postconf_map m;
	struct err err;
	(void)state;

	parse("mynetworks = 127.0.0.0/8 [::1]/128\nsmtpd_relay_restrictions =\n"
	      "127.0.0.1:10025/inet/smtpd_client_restrictions = permit_mynetworks, a = b\n",
	      &m, 0);
	assert_int_equal(m.n, 3);
	assert_string_equal(postconf_get(&m, "mynetworks"), "127.0.0.0/8 [::1]/128");
	assert_string_equal(postconf_get(&m, "smtpd_relay_restrictions"), "");
	assert_string_equal(postconf_get(&m, "127.0.0.1:10025/inet/smtpd_client_restrictions"),
			    "permit_mynetworks, a = b");
	assert_null(postconf_get(&m, "myhostname"));
	postconf_map_free(&m);

	parse("", &m, 0);
	assert_int_equal(m.n, 0);
	postconf_map_free(&m);

	/* Not postconf's answer: refused, naming the line. */
	char *bad = strdup("a = 1\npostconf: fatal: something\n");
	assert_int_equal(postconf_parse(bad, strlen(bad), &m, &err), -1);
	assert_non_null(strstr(err.msg, "line 2"));
	parse("=x\n", &m, -1);
	parse("a =x\n", &m, -1);
	postconf_map_free(NULL);
}

/* A postconf in test_dir/bin: prints "argv = ARGS" and MAIL_CONFIG;
 * FAKE_FAIL makes it fail like a missing main.cf, FAKE_OLD like a
 * Postfix without -P. */
static void
fake_postconf(void)
{
	char path[sizeof test_dir + 32];
	FILE *f;

	snprintf(path, sizeof path, "%s/bin", test_dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/bin/postconf", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fputs("#!/bin/sh\n"
	      "if [ -n \"$FAKE_FAIL\" ]; then\n"
	      "  echo 'postconf: warning: something first' >&2\n"
	      "  echo 'postconf: fatal: open /nope/main.cf: No such file or directory' >&2\n"
	      "  exit 1\n"
	      "fi\n"
	      "case \" $* \" in *' -P '*) if [ -n \"$FAKE_OLD\" ]; then\n"
	      "  echo \"postconf: invalid option -- 'P'\" >&2; exit 1; fi;; esac\n"
	      "echo 'postconf: warning: unused parameter: x=y' >&2\n"
	      "echo \"argv = $*\"\n"
	      "echo \"mail_config = ${MAIL_CONFIG:-}\"\n",
	      f);
	fclose(f);
	chmod(path, 0755);
}

static void
test_which(void **state)
{
	char path[sizeof test_dir + 64], want[sizeof test_dir + 64];
	char *got;
	(void)state;

	fake_postconf();
	snprintf(want, sizeof want, "%s/bin/postconf", test_dir);
	snprintf(path, sizeof path, "/nonexistent:%s/bin:/usr/sbin", test_dir);
	setenv("PATH", path, 1);
	assert_non_null(got = postconf_which());
	assert_string_equal(got, want);
	free(got);
	/* Relative entries are never searched: "bin" under the working
	 * directory would do. */
	assert_int_equal(chdir(test_dir), 0);
	setenv("PATH", "bin::.", 1);
	assert_null(postconf_which());
	setenv("PATH", "/nonexistent", 1);
	assert_null(postconf_which());
}

static void
test_load(void **state)
{
	char path[sizeof test_dir + 64];
	struct postconf pc;
	struct err err;
	(void)state;

	fake_postconf();
	snprintf(path, sizeof path, "%s/bin", test_dir);
	setenv("PATH", path, 1);
	unsetenv("FAKE_FAIL");
	unsetenv("FAKE_OLD");
	setenv("MAIL_CONFIG", "/from/env", 1);

	assert_int_equal(postconf_load("/etc/pf2", &pc, &err), 0);
	assert_string_equal(pc.dir, "/etc/pf2");
	assert_string_equal(postconf_get(&pc.main, "argv"), "-c /etc/pf2 -n -x");
	assert_string_equal(postconf_get(&pc.main_raw, "argv"), "-c /etc/pf2 -n");
	assert_string_equal(postconf_get(&pc.master, "argv"), "-c /etc/pf2 -P -x");
	assert_string_equal(postconf_get(&pc.master_raw, "argv"), "-c /etc/pf2 -P");
	/* The environment reaches postconf as it is. */
	assert_string_equal(postconf_get(&pc.main, "mail_config"), "/from/env");
	assert_false(pc.no_master);
	postconf_free(&pc);
	unsetenv("MAIL_CONFIG");

	assert_int_equal(postconf_load(NULL, &pc, &err), 0);
	assert_null(pc.dir);
	assert_string_equal(postconf_get(&pc.main, "argv"), "-n -x");
	postconf_free(&pc);

	/* Without -P: main.cf still read. */
	setenv("FAKE_OLD", "1", 1);
	assert_int_equal(postconf_load(NULL, &pc, &err), 0);
	assert_true(pc.no_master);
	assert_non_null(strstr(pc.master_err.msg, "postconf -P -x: "));
	assert_non_null(strstr(pc.master_err.msg, "invalid option"));
	assert_int_equal(pc.master.n, 0);
	assert_string_equal(postconf_get(&pc.main, "argv"), "-n -x");
	postconf_free(&pc);
	unsetenv("FAKE_OLD");

	/* Failing: the command and the last line it wrote to stderr. */
	setenv("FAKE_FAIL", "1", 1);
	assert_int_equal(postconf_load("/nope", &pc, &err), -1);
	assert_non_null(strstr(err.msg, "postconf -c /nope -n -x: "));
	assert_non_null(strstr(err.msg, "exited with status 1: postconf: fatal: open "
					"/nope/main.cf: No such file or directory"));
	assert_null(strstr(err.msg, "something first"));
	unsetenv("FAKE_FAIL");

	/* Not installed. */
	setenv("PATH", "/nonexistent", 1);
	assert_int_equal(postconf_load(NULL, &pc, &err), 1);
	postconf_free(&pc);
	postconf_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test_teardown(test_which, restore_path),
		cmocka_unit_test_teardown(test_load, restore_path),
	};
	const char *path = getenv("PATH");

	saved_path = strdup(path ? path : "/usr/bin:/bin");
	return cmocka_run_group_tests_name("postconf", tests, test_dir_setup, test_dir_teardown);
}
