/* Unit tests: gzip — a copy that inflates to its input, the same bytes
 * every time, no name and no mtime in the header; gzip_matches tells a
 * copy of the file (however made) from anything else. */
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

/* A gzip member of `len` bytes at `data` made by zlib at `level`. */
static char *
other_gzip(const char *data, size_t len, int level, size_t *out_len)
{
	z_stream z = {0};
	size_t cap = len + 64;
	char *out = malloc(cap);
	assert_non_null(out);
	assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (const Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

static void
test_matches(void **state)
{
	(void)state;
	static const char text[] = "192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n";
	size_t n = sizeof text - 1, len, olen;
	struct err err;
	char *gz = gzip_compress(text, n, &len, &err);

	assert_non_null(gz);
	assert_true(gzip_matches(gz, len, text, n));
	/* Another file, a shorter or a longer one. */
	assert_false(gzip_matches(gz, len, "192.0.2.0/25\n198.51.100.0/24\n2001:db8::/32\n", n));
	assert_false(gzip_matches(gz, len, text, n - 1));
	char longer[sizeof text + 1];
	memcpy(longer, text, n);
	longer[n] = '\n';
	assert_false(gzip_matches(gz, len, longer, n + 1));
	/* A truncated copy, one with bytes after it, a damaged one. */
	assert_false(gzip_matches(gz, len - 1, text, n));
	assert_false(gzip_matches(gz, 10, text, n));
	char *tail = malloc(len + 1);
	assert_non_null(tail);
	memcpy(tail, gz, len);
	tail[len] = 0;
	assert_false(gzip_matches(tail, len + 1, text, n));
	tail[len - 6] ^= 1; /* in the CRC */
	assert_false(gzip_matches(tail, len, text, n));
	free(tail);
	assert_false(gzip_matches("not gzip at all", 15, text, n));
	assert_false(gzip_matches("", 0, text, n));
	/* Made otherwise (another level, another zlib): still the file's. */
	char *other = other_gzip(text, n, 1, &olen);
	assert_true(gzip_matches(other, olen, text, n));
	free(other);
	/* Larger than the inflate buffer. */
	size_t big = 100000;
	char *b = malloc(big);
	assert_non_null(b);
	for (size_t i = 0; i < big; i++)
		b[i] = (char)('a' + (i * 7919) % 26);
	char *bgz = gzip_compress(b, big, &len, &err);
	assert_non_null(bgz);
	assert_true(gzip_matches(bgz, len, b, big));
	b[big - 1] ^= 1;
	assert_false(gzip_matches(bgz, len, b, big));
	free(bgz);
	free(b);
	free(gz);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
