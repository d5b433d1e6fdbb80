/* Unit tests: atomicfile — replace, keep owner/mode, refuse non-regular
 * targets, leave no temporary file behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"

#include "atomicfile.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *
at(const char *name)
{
	static char path[600];
	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	return path;
}

static void
test_new_and_replace(void **state)
{
	struct err err;
	char *buf;
	size_t len;
	struct stat st;
	(void)state;

	assert_int_equal(atomicfile_read(at("a"), &buf, &len, &err), 1);
	assert_int_equal(atomicfile_write(at("a"), 0644, "one\n", 4, &err), 0);
	assert_int_equal(stat(at("a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_int_equal(atomicfile_read(at("a"), &buf, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_string_equal(buf, "one\n");
	free(buf);

	/* An existing file's mode (and owner) are kept. */
	chmod(at("a"), 0640);
	if (geteuid() == 0)
		assert_int_equal(chown(at("a"), 1, 2), 0);
	ino_t before = st.st_ino;
	assert_int_equal(atomicfile_write(at("a"), 0644, "two\n", 4, &err), 0);
	assert_int_equal(stat(at("a"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_not_equal(st.st_ino, before); /* replaced, not rewritten */
	if (geteuid() == 0) {
		assert_int_equal(st.st_uid, 1);
		assert_int_equal(st.st_gid, 2);
	}
	assert_int_equal(atomicfile_read(at("a"), &buf, &len, &err), 0);
	assert_string_equal(buf, "two\n");
	free(buf);
	assert_int_equal(test_dir_temps(), 0);
}

/* Ordered commits (the state directory's) replace just as durable ones
 * do; only the directory's fsync is left out, which no test short of a
 * power cut can see: the benchmark shows its cost instead. */
static void
test_ordered(void **state)
{
	struct err err;
	char *buf;
	size_t len;
	struct stat st;
	struct atomicfile *af;
	(void)state;

	assert_int_equal(atomicfile_write_sync(at("o"), 0600, "one\n", 4, ATOMICFILE_ORDERED, &err),
			 0);
	assert_int_equal(chmod(at("o"), 0640), 0);
	af = atomicfile_open(at("o"), 0600, &err);
	assert_non_null(af);
	atomicfile_set_sync(af, ATOMICFILE_ORDERED);
	fputs("two\n", atomicfile_stream(af));
	assert_int_equal(atomicfile_commit(af, &err), 0);
	assert_int_equal(stat(at("o"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(atomicfile_read(at("o"), &buf, &len, &err), 0);
	assert_string_equal(buf, "two\n");
	free(buf);
	assert_int_equal(test_dir_temps(), 0);
}

static void
test_refused_targets(void **state)
{
	struct err err;
	char *buf;
	size_t len;
	(void)state;

	assert_int_equal(atomicfile_write(at("real"), 0644, "x\n", 2, &err), 0);
	char real[600];
	snprintf(real, sizeof real, "%s", at("real"));
	assert_int_equal(symlink(real, at("link")), 0);
	assert_int_equal(atomicfile_write(at("link"), 0644, "y\n", 2, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(atomicfile_read(at("link"), &buf, &len, &err), -1);
	assert_int_equal(mkdir(at("d"), 0755), 0);
	assert_null(atomicfile_open(at("d"), 0644, &err));
	assert_non_null(strstr(err.msg, "a directory"));
	assert_int_equal(mkfifo(at("fifo"), 0644), 0);
	assert_null(atomicfile_open(at("fifo"), 0644, &err));
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_null(atomicfile_open(at("nodir/x"), 0644, &err));
	assert_non_null(strstr(err.msg, "nodir"));
	/* The real file is untouched. */
	assert_int_equal(atomicfile_read(at("real"), &buf, &len, &err), 0);
	assert_string_equal(buf, "x\n");
	free(buf);
	assert_int_equal(test_dir_temps(), 0);
}

static void
test_abort_and_stale(void **state)
{
	struct err err;
	char *buf;
	size_t len;
	struct atomicfile *af;
	(void)state;

	assert_int_equal(atomicfile_write(at("b"), 0644, "old\n", 4, &err), 0);
	assert_non_null(af = atomicfile_open(at("b"), 0644, &err));
	fputs("new\n", atomicfile_stream(af));
	assert_int_equal(atomicfile_sync(af, &err), 0);
	assert_int_equal(test_dir_temps(), 1);
	/* Prepared but not committed: the target still holds the old content. */
	assert_int_equal(atomicfile_read(at("b"), &buf, &len, &err), 0);
	assert_string_equal(buf, "old\n");
	free(buf);
	atomicfile_abort(af);
	assert_int_equal(test_dir_temps(), 0);
	atomicfile_abort(NULL);

	/* A temporary left by a killed run is removed by the next open. */
	FILE *f = fopen(at(".b.allowsync-AbC123"), "w");
	assert_non_null(f);
	fclose(f);
	f = fopen(at(".other.allowsync-AbC123"), "w"); /* another target's: kept */
	assert_non_null(f);
	fclose(f);
	assert_int_equal(test_dir_temps(), 2);
	assert_int_equal(atomicfile_write(at("b"), 0644, "new\n", 4, &err), 0);
	assert_int_equal(test_dir_temps(), 1);
	unlink(at(".other.allowsync-AbC123"));
}

static void
test_commit_target_became_symlink(void **state)
{
	struct err err;
	struct atomicfile *af;
	(void)state;

	assert_int_equal(atomicfile_write(at("c"), 0644, "old\n", 4, &err), 0);
	assert_non_null(af = atomicfile_open(at("c"), 0644, &err));
	fputs("new\n", atomicfile_stream(af));
	unlink(at("c"));
	assert_int_equal(symlink("/etc/passwd", at("c")), 0);
	assert_int_equal(atomicfile_commit(af, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	assert_int_equal(test_dir_temps(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_and_replace),
		cmocka_unit_test(test_ordered),
		cmocka_unit_test(test_refused_targets),
		cmocka_unit_test(test_abort_and_stale),
		cmocka_unit_test(test_commit_target_became_symlink),
	};
	return cmocka_run_group_tests_name("atomicfile", tests, test_dir_setup, test_dir_teardown);
}
