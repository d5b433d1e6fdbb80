/* testdir — a scratch directory for one unit-test program.
 *
 * test_dir is created before the test group runs and removed, with all
 * it holds, after it: pass test_dir_setup and test_dir_teardown to
 * cmocka_run_group_tests_name.  Header-only: each test program is one
 * translation unit.
 */
#ifndef ALLOWSYNC_TESTDIR_H
#define ALLOWSYNC_TESTDIR_H

#include <stdio.h>
#include <stdlib.h>

static char test_dir[] = "/tmp/allowsync-unit.XXXXXX";

static int
test_dir_setup(void **state)
{
	(void)state;
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
