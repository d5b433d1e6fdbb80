/* Unit tests: metrics — the text file node_exporter reads: every family
 * with its HELP and TYPE lines, label values escaped, a fixed order, the
 * address series left out when unknown, and the file replaced whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "atomicfile.h"
#include "metrics.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The families, in the order of the file. */
static const char *const families[] = {
	"allowsync_run_timestamp_seconds",
	"allowsync_run_duration_seconds",
	"allowsync_run_exit_code",
	"allowsync_source_last_success_timestamp_seconds",
	"allowsync_source_served_from_last_good",
	"allowsync_source_degraded_since_timestamp_seconds",
	"allowsync_source_entries",
	"allowsync_source_addresses",
	"allowsync_output_last_success_timestamp_seconds",
	"allowsync_output_entries",
	"allowsync_output_addresses",
	"allowsync_output_held",
	"allowsync_output_hook_pending",
};
#define N_FAMILIES (sizeof families / sizeof families[0])

/* The rendered text (malloc'd). */
static char *
render(const struct metrics_run *m)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);

	assert_non_null(f);
	assert_int_equal(metrics_render(m, f), 0);
	assert_int_equal(fclose(f), 0);
	return mem;
}

static const struct metrics_source two_sources[] = {
	{.name = "ses", .last_success = 1700000000, .count = {3, true, {768, 0}}},
	{.name = "smtp2go",
	 .last_success = 1690000000,
	 .degraded_since = 1699990000,
	 .last_good = true,
	 .count = {2, true, {256, (u128)1 << 96}}},
};

static const struct metrics_output two_outputs[] = {
	{.name = "fw", .last_success = 1700000000, .count = {4, true, {1024, (u128)1 << 96}}},
	{.name = "pf", .last_success = 1600000000, .held = true, .hook_pending = true,
	 .count = {7, false, {0, 0}}},
};

static const struct metrics_run two = {
	.when = 1700000000,
	.duration = 1.25,
	.exit_code = 3,
	.sources = two_sources,
	.n_sources = 2,
	.outputs = two_outputs,
	.n_outputs = 2,
};

/* Every family has its HELP and TYPE lines, in order, with no sample
 * too; nothing else is described. */
static void
test_families(void **state)
{
	const struct metrics_run empty = {.when = 5, .exit_code = 1};
	const struct metrics_run *runs[] = {&empty, &two};
	(void)state;

	for (size_t r = 0; r < 2; r++) {
		char *text = render(runs[r]), *p = text, *line;
		size_t fam = 0;

		while ((line = strsep(&p, "\n")) && *line) {
			char help[200], type[200];
			if (strncmp(line, "# HELP ", 7) == 0) {
				assert_true(fam < N_FAMILIES);
				snprintf(help, sizeof help, "# HELP %s ", families[fam]);
				assert_memory_equal(line, help, strlen(help));
				line = strsep(&p, "\n");
				assert_non_null(line);
				snprintf(type, sizeof type, "# TYPE %s gauge", families[fam]);
				assert_string_equal(line, type);
				fam++;
				continue;
			}
			/* A sample belongs to the family described last. */
			assert_true(fam > 0);
			assert_memory_equal(line, families[fam - 1], strlen(families[fam - 1]));
			assert_true(strchr("{ ", line[strlen(families[fam - 1])]) != NULL);
		}
		assert_int_equal(fam, N_FAMILIES);
		free(text);
	}
}

/* The samples: values, labels, the order given, and no address series
 * for an output whose addresses are not known. */
static void
test_samples(void **state)
{
	char *text = render(&two);
	(void)state;

	assert_non_null(strstr(text, "\nallowsync_run_timestamp_seconds 1700000000\n"));
	assert_non_null(strstr(text, "\nallowsync_run_duration_seconds 1.250\n"));
	assert_non_null(strstr(text, "\nallowsync_run_exit_code 3\n"));
	assert_non_null(strstr(text,
			       "\nallowsync_source_last_success_timestamp_seconds{source=\"ses\"} "
			       "1700000000\n"
			       "allowsync_source_last_success_timestamp_seconds{source=\"smtp2go\"} "
			       "1690000000\n"));
	assert_non_null(strstr(text, "\nallowsync_source_served_from_last_good{source=\"ses\"} 0\n"
				     "allowsync_source_served_from_last_good{source=\"smtp2go\"} 1\n"));
	assert_non_null(strstr(text, "{source=\"smtp2go\"} 1699990000\n"));
	assert_non_null(strstr(text, "\nallowsync_source_entries{source=\"smtp2go\"} 2\n"));
	assert_non_null(strstr(text,
			       "\nallowsync_source_addresses{source=\"ses\",family=\"ipv4\"} 768\n"
			       "allowsync_source_addresses{source=\"ses\",family=\"ipv6\"} 0\n"
			       "allowsync_source_addresses{source=\"smtp2go\",family=\"ipv4\"} 256\n"
			       "allowsync_source_addresses{source=\"smtp2go\",family=\"ipv6\"} "
			       "79228162514264337593543950336\n"));
	assert_non_null(strstr(text, "\nallowsync_output_entries{output=\"pf\"} 7\n"));
	assert_non_null(strstr(text, "\nallowsync_output_addresses{output=\"fw\",family=\"ipv6\"} "
				     "79228162514264337593543950336\n# HELP"));
	assert_null(strstr(text, "allowsync_output_addresses{output=\"pf\""));
	assert_non_null(strstr(text, "\nallowsync_output_held{output=\"fw\"} 0\n"
				     "allowsync_output_held{output=\"pf\"} 1\n"));
	assert_non_null(strstr(text, "\nallowsync_output_hook_pending{output=\"pf\"} 1\n"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	free(text);
}

/* Label values: backslash, double quote and newline escaped; the rest
 * as it is. */
static void
test_escaping(void **state)
{
	const struct metrics_source s = {.name = "a\"b\\c\nd.e-f_g"};
	const struct metrics_output o = {.name = "\\\\\"", .count = {0, true, {0, 0}}};
	const struct metrics_run m = {.sources = &s, .n_sources = 1, .outputs = &o, .n_outputs = 1};
	char *text = render(&m);
	(void)state;

	assert_non_null(strstr(text, "\nallowsync_source_entries{source=\"a\\\"b\\\\c\\nd.e-f_g\"} 0\n"));
	assert_non_null(strstr(text, "\nallowsync_output_held{output=\"\\\\\\\\\\\"\"} 0\n"));
	/* The raw newline never reaches the file: every line is a comment
	 * or starts with a metric name. */
	for (char *p = text; *p; p = strchr(p, '\n') + 1)
		assert_true(strncmp(p, "# ", 2) == 0 || strncmp(p, "allowsync_", 10) == 0);
	free(text);
}

/* The same run gives the same bytes. */
static void
test_deterministic(void **state)
{
	char *a = render(&two), *b = render(&two);
	(void)state;

	assert_string_equal(a, b);
	free(a);
	free(b);
}

/* The file: replaced whole, 0644, what render gives; a directory that is
 * not there is one error naming it. */
static void
test_write(void **state)
{
	char path[600], bad[600], *got, *want = render(&two);
	size_t len;
	struct stat st;
	struct err err;
	(void)state;

	snprintf(path, sizeof path, "%s/allowsync.prom", test_dir);
	assert_int_equal(metrics_write(path, &two, &err), 0);
	assert_int_equal(metrics_write(path, &two, &err), 0);
	assert_int_equal(atomicfile_read(path, &got, &len, &err), 0);
	assert_string_equal(got, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(test_dir_temps(), 0);
	free(got);

	snprintf(bad, sizeof bad, "%s/gone/allowsync.prom", test_dir);
	assert_int_equal(metrics_write(bad, &two, &err), -1);
	assert_non_null(strstr(err.msg, "gone"));
	assert_non_null(strstr(err.msg, "No such file or directory"));
	free(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_families),  cmocka_unit_test(test_samples),
		cmocka_unit_test(test_escaping),  cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_write),
	};
	return cmocka_run_group_tests_name("metrics", tests, test_dir_setup, test_dir_teardown);
}
