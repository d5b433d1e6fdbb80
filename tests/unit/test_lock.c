/* Unit tests: lock — run's exclusive lock, and diff's shared one that
 * creates nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lock.h"

#include "testdir.h"

#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

static void
test_shared_creates_nothing(void **state)
{
	char path[4096];
	struct stat sb;
	struct err err;
	int fd = 7;

	(void)state;
	snprintf(path, sizeof path, "%s/lock", test_dir);
	assert_int_equal(lock_acquire(test_dir, true, &fd, &err), 0);
	assert_int_equal(fd, -1);
	assert_int_not_equal(stat(path, &sb), 0);
	lock_release(fd);
}

static void
test_exclusive_and_shared(void **state)
{
	char path[4096];
	struct stat sb;
	struct err err;
	int ex = -1, sh1 = -1, sh2 = -1, other = -1;

	(void)state;
	snprintf(path, sizeof path, "%s/lock", test_dir);
	assert_int_equal(lock_acquire(test_dir, false, &ex, &err), 0);
	assert_true(ex >= 0);
	assert_int_equal(stat(path, &sb), 0);
	/* flock locks belong to the open file: a second open is another holder. */
	assert_int_equal(lock_acquire(test_dir, true, &other, &err), 1);
	assert_int_equal(lock_acquire(test_dir, false, &other, &err), 1);
	lock_release(ex);
	assert_int_equal(lock_acquire(test_dir, true, &sh1, &err), 0);
	assert_int_equal(lock_acquire(test_dir, true, &sh2, &err), 0);
	assert_true(sh1 >= 0 && sh2 >= 0);
	assert_int_equal(lock_acquire(test_dir, false, &other, &err), 1);
	lock_release(sh1);
	lock_release(sh2);
	assert_int_equal(lock_acquire(test_dir, false, &ex, &err), 0);
	lock_release(ex);
	lock_release(-1);
}

static void
test_missing_dir(void **state)
{
	char path[4096];
	struct err err;
	int fd;

	(void)state;
	snprintf(path, sizeof path, "%s/nonexistent", test_dir);
	assert_int_equal(lock_acquire(path, false, &fd, &err), -1);
	assert_non_null(strstr(err.msg, "cannot open"));
	assert_int_equal(lock_acquire(path, true, &fd, &err), 0);
	assert_int_equal(fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_creates_nothing, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_exclusive_and_shared, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_missing_dir, test_dir_setup,
						test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
