/* Unit tests: parse_text — the text list reader, on real fixtures too. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsets.h"

#include "testfiles.h"

#include "parse_text.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
parse_bad(const char *text, size_t len, size_t line, const char *why)
{
	struct pset *s = pset_new();
	struct err err;
	assert_int_equal(parse_text_buf("t", text, len, s, &err), -1);
	assert_int_equal(err.line, line);
	if (!strstr(err.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, why);
	pset_free(s);
}

static void
test_accepted_forms(void **state)
{
	(void)state;
	struct pset *s = test_set("\xEF\xBB\xBF# header\r\n"
				  "192.0.2.0/24\r\n"
				  "\t198.51.100.7 ; trailing\n"
				  "   \n"
				  "; whole line\n"
				  "2001:db8::/32\t# tab then comment\n"
				  "203.0.113.1 - 203.0.113.9\n"
				  "203.0.113.10");
	assert_int_equal(pset_count(s, PFX_V4), 3);
	assert_int_equal(pset_count(s, PFX_V6), 1);
	assert_true(pset_contains(s, PFX_V4, 0xcb00710a)); /* last line, no newline */
	pset_free(s);
	s = test_set("");
	assert_int_equal(pset_total(s), 0);
	pset_free(s);
}

static void
test_refusals(void **state)
{
	(void)state;
	const char *t = "192.0.2.0/24\n10/8\n";
	parse_bad(t, strlen(t), 2, "too few octets");
	t = "192.0.2.0/24\n\n010.1.1.1\n";
	parse_bad(t, strlen(t), 3, "leading zero");
	t = "<!DOCTYPE html><html>";
	parse_bad(t, strlen(t), 0, "looks like an HTML page, not a list");
	t = "1.2.3.4\n<span>13.88.3.239</span>\n";
	parse_bad(t, strlen(t), 2, "looks like an HTML page");
	parse_bad("1.2.3.4\0\n", 9, 1, "unexpected character");
}

static void
test_fixtures(void **state)
{
	(void)state;
	struct pset *s = pset_new();
	struct err err;
	assert_int_equal(parse_text_file(test_fixture("feeds/cloudflare-ips-v4.txt"), s, &err), 0);
	assert_int_equal(parse_text_file(test_fixture("feeds/cloudflare-ips-v6.txt"), s, &err), 0);
	pset_merge(s);
	/* 15 v4 prefixes (the last without newline), 7 v6 */
	assert_true(pset_cidr_count(s, PFX_V4) >= 14);
	assert_true(pset_contains(s, PFX_V4, 0x83004800)); /* 131.0.72.0/22, the last line */
	assert_int_equal(pset_count(s, PFX_V6), 7);
	pset_free(s);

	static const char *const bad[] = {
		"bad/cloudflare-404.html.txt",
		"bad/cloudflare-blocked-sorted.txt",
		"bad/cloudflare-js-challenge.txt",
		"bad/oracle-html-error.json",
	};
	for (size_t i = 0; i < 4; i++) {
		s = pset_new();
		assert_int_equal(parse_text_file(test_fixture(bad[i]), s, &err), -1);
		if (!strstr(err.msg, "HTML"))
			fail_msg("%s: %s", bad[i], err.msg);
		pset_free(s);
	}
}

static void
test_streaming_matches_buffer(void **state)
{
	(void)state;
	/* More than one read chunk, lines crossing chunk boundaries. */
	char path[] = "/tmp/allowsync-test-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	size_t size = 0;
	for (int i = 0; i < 200000; i++)
		size += (size_t)fprintf(f, "%d.%d.%d.%d/%d\n", 1 + i % 200, (i * 7) % 256,
					(i * 13) % 256, 0, 24 + i % 9);
	fclose(f);
	assert_true(size > (1u << 20));
	struct pset *a = pset_new(), *b = pset_new();
	struct err err;
	assert_int_equal(parse_text_file(path, a, &err), 0);
	char *buf = malloc(size);
	fd = open(path, O_RDONLY);
	assert_int_equal(read(fd, buf, size), (ssize_t)size);
	close(fd);
	assert_int_equal(parse_text_buf(path, buf, size, b, &err), 0);
	pset_merge(a);
	pset_merge(b);
	assert_true(pset_equal(a, b));
	free(buf);
	pset_free(a);
	pset_free(b);
	unlink(path);
	a = pset_new();
	assert_int_equal(parse_text_file("/nonexistent/list", a, &err), -1);
	assert_string_equal(err.msg, "No such file or directory");
	pset_free(a);
}

static void
test_html_detection(void **state)
{
	(void)state;
	assert_true(looks_like_html("\xEF\xBB\xBF  \n <html>", 15));
	assert_false(looks_like_html("1.2.3.4\n<b>", 11));
	assert_false(looks_like_html("", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted_forms),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_streaming_matches_buffer),
		cmocka_unit_test(test_html_detection),
	};
	return cmocka_run_group_tests_name("parse_text", tests, NULL, NULL);
}
