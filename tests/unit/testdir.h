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

#define TEST_DIR_TEMPLATE "/tmp/allowsync-unit.XXXXXX"
static char test_dir[] = TEST_DIR_TEMPLATE;

static int
test_dir_setup(void **state)
{
	(void)state;
	memcpy(test_dir, TEST_DIR_TEMPLATE, sizeof test_dir); /* mkdtemp filled it in */
	return mkdtemp(test_dir) ? 0 : -1;
}

static int
test_dir_teardown(void **state)
{
	char cmd[sizeof test_dir + 16];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
