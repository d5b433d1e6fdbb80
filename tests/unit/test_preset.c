/* Unit tests: preset — where the presets file is, what a preset fills
 * in (and what it leaves), and its refusals with FILE:LINE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "confkv.h"
#include "preset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char presets[600], conf_path[600];

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(path, 0600);
}

static const char presets_text[] = "[source relay]\n"
				   "type = static\n"
				   "prefixes = 192.0.2.0/24\n"
				   "prefixes = 198.51.100.0/24\n"
				   "max_stale = 2d\n"
				   "[source loop]\n"
				   "preset = relay\n"
				   "[output relay-out]\n"
				   "type = text\n";

static int
setup(void **state)
{
	if (test_dir_setup(state) < 0)
		return -1;
	snprintf(presets, sizeof presets, "%s/presets.conf", test_dir);
	snprintf(conf_path, sizeof conf_path, "%s/a.conf", test_dir);
	write_file(presets, presets_text);
	return setenv("ALLOWSYNC_PRESETS", presets, 1);
}

static int
teardown(void **state)
{
	unsetenv("ALLOWSYNC_PRESETS");
	return test_dir_teardown(state);
}

struct file {
	struct conf_section **secs;
	size_t n;
};

static void
read_conf(struct file *f, const char *text)
{
	struct err err;

	write_file(conf_path, text);
	if (confkv_read(conf_path, false, &f->secs, &f->n, &err) < 0)
		fail_msg("%s", err.msg);
}

static void
test_path(void **state)
{
	(void)state;

	assert_string_equal(preset_path(), presets);
	setenv("ALLOWSYNC_PRESETS", "", 1);
	assert_string_equal(preset_path(), ALLOWSYNC_DATADIR "/presets.conf");
	unsetenv("ALLOWSYNC_PRESETS");
	assert_string_equal(preset_path(), ALLOWSYNC_DATADIR "/presets.conf");
	setenv("ALLOWSYNC_PRESETS", presets, 1);
}

static void
test_apply(void **state)
{
	struct preset_file pf = {0};
	struct file f;
	struct err err;
	const char *const *vals;
	(void)state;

	read_conf(&f, "[source a]\npreset = relay\n"
		      "[source b]\npreset = relay\nprefixes = 203.0.113.1\nmax_stale = 1d\n");
	assert_int_equal(preset_apply(&pf, f.secs[0], &err), 0);
	struct conf_section *a = f.secs[0];
	assert_string_equal(conf_get(a, "type"), "static");
	assert_int_equal(conf_get_all(a, "prefixes", &vals), 2); /* every value */
	assert_string_equal(vals[1], "198.51.100.0/24");
	/* Copied values are not from this file: their line is the section's. */
	assert_int_equal(conf_get_kv(a, "type")->lines[0], 0);
	assert_int_equal(conf_line(a, "type"), 1);
	assert_int_equal(conf_line(a, "preset"), 2);

	/* What the section sets wins, all values of it. */
	struct conf_section *b = f.secs[1];
	assert_int_equal(preset_apply(&pf, b, &err), 0);
	assert_int_equal(conf_get_all(b, "prefixes", &vals), 1);
	assert_string_equal(vals[0], "203.0.113.1");
	assert_string_equal(conf_get(b, "max_stale"), "1d");
	assert_int_equal(conf_line(b, "max_stale"), 6);
	assert_string_equal(conf_get(b, "type"), "static");

	/* Read once: the file is not read again for the next source. */
	assert_int_equal(unlink(presets), 0);
	confkv_free(f.secs, f.n);
	read_conf(&f, "[source c]\npreset = relay\n");
	assert_int_equal(preset_apply(&pf, f.secs[0], &err), 0);
	assert_string_equal(conf_get(f.secs[0], "max_stale"), "2d");
	confkv_free(f.secs, f.n);
	preset_file_clear(&pf);
	preset_file_clear(&pf); /* cleared: a second clear is harmless */
	preset_file_clear(NULL);
	write_file(presets, presets_text);
}

static void
apply_bad(const char *text, unsigned line, const char *reason)
{
	struct preset_file pf = {0};
	struct file f;
	struct err err;
	char want[2048];

	read_conf(&f, text);
	assert_int_equal(preset_apply(&pf, f.secs[f.n - 1], &err), -1);
	snprintf(want, sizeof want, "%s:%u: %s", conf_path, line, reason);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, line);
	confkv_free(f.secs, f.n);
	preset_file_clear(&pf);
}

static void
test_refused(void **state)
{
	char reason[1500];
	(void)state;

	apply_bad("[global]\n[source a]\ntype = url\npreset = nosuch\n", 4,
		  "unknown preset \"nosuch\" (see allowsync presets)");
	/* Only [source NAME] sections are presets. */
	apply_bad("[source a]\npreset = relay-out\n", 2,
		  "unknown preset \"relay-out\" (see allowsync presets)");
	apply_bad("[source a]\npreset = loop\n", 2, "preset \"loop\" itself names a preset");

	assert_int_equal(unlink(presets), 0);
	snprintf(reason, sizeof reason,
		 "preset \"relay\": presets file: %s: cannot open: No such file or directory",
		 presets);
	apply_bad("[source a]\npreset = relay\n", 2, reason);
	/* The presets file's own errors keep their line. */
	write_file(presets, "[source relay]\ntype = static\n[bogus]\n");
	snprintf(reason, sizeof reason,
		 "preset \"relay\": presets file: %s:3: unknown section [bogus] (expected global, "
		 "source NAME, output NAME, publish)",
		 presets);
	apply_bad("[source a]\npreset = relay\n", 2, reason);
	write_file(presets, presets_text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_apply),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests_name("preset", tests, setup, teardown);
}
