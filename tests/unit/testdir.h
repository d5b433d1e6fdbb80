/* testdir — a scratch directory for one unit-test program.
 *
 * test_dir is created by test_dir_setup and removed, with all it holds,
 * by test_dir_teardown: pass them to cmocka_run_group_tests_name for one
 * directory per program, or to cmocka_unit_test_setup_teardown for a
 * fresh one per test.  Header-only: each test program is one translation
 * unit.
 */
#ifndef ALLOWSYNC_TESTDIR_H
#define ALLOWSYNC_TESTDIR_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define TEST_DIR_TEMPLATE "/tmp/allowsync-unit.XXXXXX"
static char test_dir[] = TEST_DIR_TEMPLATE;

static inline int
test_dir_setup(void **state)
{
	(void)state;
	memcpy(test_dir, TEST_DIR_TEMPLATE, sizeof test_dir); /* mkdtemp filled it in */
	return mkdtemp(test_dir) ? 0 : -1;
}

static inline int
test_dir_teardown(void **state)
{
	char cmd[sizeof test_dir + 16];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The files in test_dir whose name starts with '.' (the temporaries of
 * atomicfile).  Needs cmocka.h included before this header. */
static inline int
test_dir_temps(void)
{
	DIR *d = opendir(test_dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += e->d_name[0] == '.' && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* Gives path an mtime far in the past and refreshes *st with it, so that
 * a test can tell a rewrite from no write without waiting for the clock.
 * Needs cmocka.h included before this header. */
static inline void
test_set_old_mtime(const char *path, struct stat *st)
{
	const struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};

	assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
	assert_int_equal(stat(path, st), 0);
	assert_int_equal(st->st_mtime, 1000000000);
}

#endif
