/* Unit tests: run — the pipeline's handling of what a source type reports
 * (partial, not modified, Retry-After, failure), what diff prints and
 * holds, and the lock, with a scripted source type standing in for the
 * network ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "parse_text.h"
#include "run.h"
#include "state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the scripted source does on its next collect. */
static struct script {
	int calls;
	int rc;
	const char *list;
	bool partial;
	bool not_modified;
	time_t retry_after;
} script;

static int
scripted_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
		 struct err *err)
{
	struct err perr;
	(void)src;
	(void)ctx;

	script.calls++;
	snprintf(res->origin, sizeof res->origin, "script");
	res->partial = script.partial;
	res->not_modified = script.not_modified;
	res->retry_after = script.retry_after;
	if (script.rc < 0) {
		err_set(err, "HTTP 503 from the script");
		return -1;
	}
	if (script.list && !script.not_modified &&
	    parse_text_buf("script", script.list, strlen(script.list), res->set, &perr) < 0)
		fail_msg("bad script list");
	if (script.partial)
		err_set(err, "one branch missing");
	return 0;
}

static void (*static_free)(struct source *);
static void
scripted_free(struct source *src)
{
	static_free(src);
}

static struct source_type scripted = {
	.name = "scripted",
	.collect = scripted_collect,
	.free = scripted_free,
};

static struct conf *
load(void)
{
	struct conf *c = test_conf_load("c.conf",
					"[global]\nstate_dir = %s/state\nmax_stale = 1h\n"
					"[source net]\ntype = static\nprefixes = 8.8.8.8\n"
					"[output t]\ntype = text\npath = %s/t.txt\nheader = no\n",
					test_dir, test_dir);

	/* The static source becomes the scripted one (its priv freed as static). */
	static_free = c->sources[0]->type->free;
	c->sources[0]->type = &scripted;
	return c;
}

static int
run_once(const struct run_opts *o)
{
	struct conf *c = load();
	int rc = run_pipeline(c, o);
	conf_free(c);
	return rc;
}

static const char *
output(void)
{
	static char buf[4096];
	char path[600];
	snprintf(path, sizeof path, "%s/t.txt", test_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void
test_script(void **state)
{
	struct run_opts o = {.out = stdout};
	struct run_opts force = {.out = stdout, .force = true};
	struct state_source st;
	char sdir[600];
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);

	/* A failure with no last good copy: the output fails, is not created. */
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "");
	state_source_load(sdir, "net", &st);
	assert_string_equal(st.error, "HTTP 503 from the script");

	/* Data. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Not modified: the last good list, not degraded, and stamped fresh
	 * (its age is what max_stale judges later). */
	{
		struct pset *kept;
		time_t when;
		char origin[STATE_TEXT_MAX];
		struct err err;
		assert_int_equal(state_list_load(sdir, "net", &kept, &when, origin), 0);
		assert_int_equal(state_list_save(sdir, "net", kept, 1000, origin, &err), 0);
		pset_free(kept);
		script = (struct script){.not_modified = true};
		assert_int_equal(run_once(&o), EXIT_OK);
		assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
		assert_int_equal(state_list_load(sdir, "net", &kept, &when, origin), 0);
		assert_true(when > time(NULL) - 60);
		assert_int_equal(pset_total(kept), 2);
		pset_free(kept);
	}

	/* Partial: applied when it only adds, degraded. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n1.1.1.1\n", .partial = true};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_string_equal(output(), "1.1.1.1/32\n8.8.8.0/24\n9.9.9.0/24\n");
	/* ... but a partial list may not remove anything, even within
	 * max_shrink; --force applies it. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n", .partial = true};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_string_equal(output(), "1.1.1.1/32\n8.8.8.0/24\n9.9.9.0/24\n");
	assert_int_equal(run_once(&force), EXIT_DEGRADED);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	/* A partial list is never kept as the last good copy. */
	script = (struct script){.not_modified = true};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Retry-After: the failure serves the last good copy, and the
	 * source is not asked again before the time given. */
	script = (struct script){.rc = -1, .retry_after = time(NULL) + 3600};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_int_equal(script.calls, 1);
	script.calls = 0;
	script.rc = 0;
	script.list = "7.7.7.7\n";
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_int_equal(script.calls, 0);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	state_source_load(sdir, "net", &st);
	assert_true(st.retry_after > time(NULL));

	/* Offline never collects. */
	struct run_opts off = {.out = stdout, .offline = true};
	assert_int_equal(run_once(&off), EXIT_OK);
	assert_int_equal(script.calls, 0);

	/* A policy refusal is a failure like any other: last good served. */
	st.retry_after = 0;
	struct err err;
	char path[STATE_TEXT_MAX];
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	script = (struct script){.list = "8.8.8.0/24\n10.1.0.0/16\n"};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_non_null(strstr(st.error, "refused: 10.1.0.0/16 touches 10.0.0.0/8 private-use"));
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Not modified without a last good copy fails. */
	snprintf(path, sizeof path, "%s/state/sources/net.list", test_dir);
	unlink(path);
	script = (struct script){.not_modified = true};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	state_source_load(sdir, "net", &st);
	assert_non_null(strstr(st.error, "not modified, but no last good copy"));
}

/* diff (a dry run) of the output, as it prints it to o->out. */
static const char *
diff_once(struct run_opts *o, int want_rc)
{
	static char buf[4096];
	char *text = NULL;
	size_t len = 0;

	assert_non_null(o->out = open_memstream(&text, &len));
	assert_int_equal(run_once(o), want_rc);
	fclose(o->out);
	o->out = NULL;
	snprintf(buf, sizeof buf, "%s", text);
	free(text);
	return buf;
}

/* diff prints the plan and what holds it back, and writes nothing: not
 * even the state directory before the first run. */
static void
test_diff(void **state)
{
	struct run_opts diff = {.dry_run = true}, force = {.dry_run = true, .force = true};
	struct run_opts o = {.out = stdout};
	char sdir[600];
	struct stat sb;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);

	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_string_equal(diff_once(&diff, EXIT_OK),
			    "output \"t\": +2 -0 entries (0 now, 2 after)\n"
			    "+8.8.8.0/24\n+9.9.9.0/24\n");
	assert_int_equal(stat(sdir, &sb), -1);
	assert_string_equal(output(), "");
	assert_int_equal(run_once(&o), EXIT_OK);

	/* A partial list that would remove: held (the run degraded), and
	 * diff says whether --force would apply it. */
	script = (struct script){.list = "8.8.8.0/24\n", .partial = true};
	assert_string_equal(diff_once(&diff, EXIT_DEGRADED),
			    "output \"t\": +0 -1 entries (2 now, 1 after)"
			    " [held: a partial source would remove 1 entries]\n-9.9.9.0/24\n");
	assert_string_equal(diff_once(&force, EXIT_DEGRADED),
			    "output \"t\": +0 -1 entries (2 now, 1 after)"
			    " [held: a partial source would remove 1 entries, --force applies it]\n"
			    "-9.9.9.0/24\n");
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
}

/* One run at a time: while another holds the lock a run (or diff) does
 * nothing, not even collect, and has an exit code of its own. */
static void
test_lock(void **state)
{
	struct run_opts o = {.out = stdout}, diff = {.out = stdout, .dry_run = true};
	char sdir[600];
	struct err err;
	int fd = -1;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_int_equal(lock_acquire(sdir, &fd, &err), 0);
	script = (struct script){.list = "8.8.8.0/24\n7.7.7.7\n"};
	assert_int_equal(run_once(&o), EXIT_LOCKED);
	assert_int_equal(run_once(&diff), EXIT_LOCKED);
	assert_int_equal(script.calls, 0);
	assert_string_equal(output(), "8.8.8.0/24\n");
	lock_release(fd);
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "7.7.7.7/32\n8.8.8.0/24\n");
}

static void
test_format_age(void **state)
{
	char b[32];
	(void)state;
	run_format_age(41, b, sizeof b);
	assert_string_equal(b, "41s");
	run_format_age(192, b, sizeof b);
	assert_string_equal(b, "3m12s");
	run_format_age(3 * 3600 + 12 * 60 + 5, b, sizeof b);
	assert_string_equal(b, "3h12m");
	run_format_age(2 * 86400 + 3 * 3600, b, sizeof b);
	assert_string_equal(b, "2d03h");
	run_format_age(-5, b, sizeof b);
	assert_string_equal(b, "0s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* Each from an empty scratch directory: no state, no output. */
		cmocka_unit_test_setup_teardown(test_script, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_diff, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_lock, test_dir_setup, test_dir_teardown),
		cmocka_unit_test(test_format_age),
	};
	return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
