/* Unit tests: gzip — a copy that inflates to its input, the same bytes
 * every time, no name and no mtime in the header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gzip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#define ZLIB_CONST
#include <zlib.h>

static void
inflates_to(const char *gz, size_t gz_len, const char *want, size_t len)
{
	char *out = malloc(len + 16);
	z_stream z = {.next_in = (const Bytef *)gz, .avail_in = (uInt)gz_len, .next_out = (Bytef *)out,
		      .avail_out = (uInt)len + 16};
	assert_non_null(out);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	assert_int_equal(z.total_out, len);
	assert_int_equal(z.avail_in, 0); /* one member, nothing after it */
	inflateEnd(&z);
	if (len)
		assert_memory_equal(out, want, len);
	free(out);
}

static void
test_round_trip(void **state)
{
	(void)state;
	/* Something like a published list: repetitive, a few hundred KB. */
	size_t cap = 400000, n = 0;
	char *text = malloc(cap);
	assert_non_null(text);
	for (unsigned i = 0; n + 32 < cap; i++)
		n += (size_t)snprintf(text + n, cap - n, "10.%u.%u.0/24\n", (i >> 8) & 255, i & 255);
	struct err err;
	size_t len, len2;
	char *gz = gzip_compress(text, n, &len, &err);
	assert_non_null(gz);
	assert_true(len < n / 4);
	inflates_to(gz, len, text, n);
	/* Deterministic: the same input, the same bytes. */
	char *again = gzip_compress(text, n, &len2, &err);
	assert_non_null(again);
	assert_int_equal(len, len2);
	assert_memory_equal(gz, again, len);
	free(again);
	free(gz);
	free(text);
}

static void
test_header(void **state)
{
	(void)state;
	struct err err;
	size_t len;
	const unsigned char *h;
	char *gz = gzip_compress("x\n", 2, &len, &err);

	assert_non_null(gz);
	h = (const unsigned char *)gz;
	assert_true(len >= 18);
	assert_int_equal(h[0], 0x1f);
	assert_int_equal(h[1], 0x8b);
	assert_int_equal(h[2], 8);   /* deflate */
	assert_int_equal(h[3], 0);   /* FLG: no name, comment or extra field */
	assert_int_equal(h[4] | h[5] | h[6] | h[7], 0); /* MTIME 0 */
	inflates_to(gz, len, "x\n", 2);
	free(gz);

	/* An empty file has a copy too. */
	assert_non_null(gz = gzip_compress("", 0, &len, &err));
	inflates_to(gz, len, "", 0);
	free(gz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
