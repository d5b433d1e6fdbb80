/* Unit tests: curlload — libcurl opened at run time: every function
 * bound and usable, a second load finds the same library, and a missing
 * library or symbol is a one-line reason, not a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "curlload.h"

#include <string.h>

static void
test_load(void **state)
{
	struct curl_api a, b;
	struct err err = {0};
	CURL *c;
	(void)state;

	assert_int_equal(curlload(&a, &err), 0);
	assert_int_equal(curlload(&b, &err), 0);
	assert_memory_equal(&a, &b, sizeof a);
	/* Really libcurl: the functions do their jobs. */
	assert_string_equal(a.easy_strerror(CURLE_OK), "No error");
	assert_true(a.getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL) == 784111777);
	c = a.easy_init();
	assert_non_null(c);
	assert_int_equal(a.easy_setopt(c, CURLOPT_URL, "https://127.0.0.1/"), CURLE_OK);
	a.easy_reset(c); /* http_conn's between requests */
	assert_int_equal(a.easy_setopt(c, CURLOPT_URL, "https://127.0.0.1/"), CURLE_OK);
	a.easy_cleanup(c);
	struct curl_slist *l = a.slist_append(NULL, "X-A: 1");
	assert_non_null(l);
	assert_string_equal(l->data, "X-A: 1");
	a.slist_free_all(l);
}

static void
test_missing(void **state)
{
	struct curl_api a;
	struct err err = {0};
	(void)state;

	assert_int_equal(curlload_from("libcurl-none.so.99", &a, &err), -1);
	assert_non_null(strstr(err.msg, "cannot load libcurl: libcurl-none.so.99"));
	assert_null(strchr(err.msg, '\n'));
	/* A library that is there but is not libcurl. */
	assert_int_equal(curlload_from("libc.so.6", &a, &err), -1);
	assert_string_equal(err.msg, "cannot load libcurl: libc.so.6 has no curl_easy_init");
	/* No err buffer is fine too. */
	assert_int_equal(curlload_from("libcurl-none.so.99", &a, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
