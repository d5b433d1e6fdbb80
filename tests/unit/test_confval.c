/* Unit tests: confval — the value parsers with their exact refusals, the
 * typed getters and their "FILE:LINE: key = value: reason" texts, word
 * and prefix lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "confkv.h"
#include "confval.h"
#include "pfx.h"
#include "pset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A [source t] of "t.conf" (header at line 1) from "key", "value" pairs,
 * NULL-terminated; pair i is at line 10 + i, or from a preset (line 0)
 * when its key starts with '~'.  Returned as a one-element array, to
 * free with confkv_free(a, 1). */
static struct conf_section **
mksec(const char *const *pairs)
{
	struct conf_section **a = calloc(1, sizeof *a);

	assert_non_null(a);
	assert_non_null(a[0] = calloc(1, sizeof **a));
	a[0]->kind = CONF_SOURCE;
	assert_non_null(a[0]->name = strdup("t"));
	a[0]->file = "t.conf";
	a[0]->line = 1;
	for (unsigned i = 0; pairs[2 * i]; i++) {
		const char *key = pairs[2 * i];
		unsigned line = *key == '~' ? 0 : 10 + i;
		assert_int_equal(confkv_add(a[0], key + (*key == '~'), pairs[2 * i + 1], line), 0);
	}
	return a;
}

static void
refuse_uint(const char *s, uint64_t max, const char *why)
{
	uint64_t v = 12345;
	const char *r = conf_parse_uint(s, max, &v);

	if (!r || strcmp(r, why) != 0)
		fail_msg("\"%s\": got %s, expected \"%s\"", s, r ? r : "success", why);
	assert_int_equal(v, 12345); /* untouched on refusal */
}

static void
test_uint(void **state)
{
	uint64_t v;
	(void)state;

	assert_null(conf_parse_uint("0", 10, &v));
	assert_int_equal(v, 0);
	assert_null(conf_parse_uint("10", 10, &v));
	assert_int_equal(v, 10);
	assert_null(conf_parse_uint("007", 10, &v));
	assert_int_equal(v, 7);
	assert_null(conf_parse_uint("18446744073709551615", UINT64_MAX, &v));
	assert_true(v == UINT64_MAX);
	refuse_uint("", 10, "empty value");
	refuse_uint("11", 10, "number too large");
	refuse_uint("18446744073709551616", UINT64_MAX, "number too large");
	refuse_uint("99999999999999999999999", UINT64_MAX, "number too large");
	refuse_uint("+1", 10, "not a non-negative integer");
	refuse_uint("-1", 10, "not a non-negative integer");
	refuse_uint(" 1", 10, "not a non-negative integer");
	refuse_uint("1 ", 10, "not a non-negative integer");
	refuse_uint("0x10", 100, "not a non-negative integer");
}

static void
check_duration(const char *s, uint64_t want)
{
	uint64_t v = 12345;
	const char *r = conf_parse_duration(s, &v);

	if (r)
		fail_msg("\"%s\" refused: %s", s, r);
	assert_int_equal(v, want);
}

static void
refuse_duration(const char *s, const char *why)
{
	uint64_t v = 12345;
	const char *r = conf_parse_duration(s, &v);

	if (!r || strcmp(r, why) != 0)
		fail_msg("\"%s\": got %s, expected \"%s\"", s, r ? r : "success", why);
	assert_int_equal(v, 12345);
}

static void
test_duration(void **state)
{
	(void)state;

	check_duration("0", 0);
	check_duration("90", 90);
	check_duration("90s", 90);
	check_duration("90m", 5400);
	check_duration("3h", 10800);
	check_duration("7d", 604800);
	check_duration("2w", 1209600);
	check_duration("36600d", 100ull * 366 * 86400); /* the ceiling itself */
	refuse_duration("36601d", "duration too large");
	refuse_duration("3162240001", "duration too large");
	refuse_duration("999999999d", "duration too large");
	refuse_duration("99999999999999999999", "duration too large");
	refuse_duration("", "empty value");
	refuse_duration("h", "number missing");
	refuse_duration("123456789012345678901234567890123", "number too long");
	refuse_duration("7x", "bad duration unit (use s, m, h, d or w)");
	refuse_duration("7D", "bad duration unit (use s, m, h, d or w)"); /* units are lower case */
	refuse_duration("7M", "bad duration unit (use s, m, h, d or w)");
	refuse_duration("-1", "not a duration (e.g. 90s, 30m, 3h, 7d)");
	refuse_duration("1.5h", "not a duration (e.g. 90s, 30m, 3h, 7d)");
	refuse_duration("7 d", "not a duration (e.g. 90s, 30m, 3h, 7d)");
	refuse_duration("1h30m", "not a duration (e.g. 90s, 30m, 3h, 7d)");
}

static void
refuse_size(const char *s, const char *why)
{
	uint64_t v = 12345;
	const char *r = conf_parse_size(s, &v);

	if (!r || strcmp(r, why) != 0)
		fail_msg("\"%s\": got %s, expected \"%s\"", s, r ? r : "success", why);
	assert_int_equal(v, 12345);
}

static void
test_size(void **state)
{
	uint64_t v;
	(void)state;

	assert_null(conf_parse_size("512", &v));
	assert_int_equal(v, 512);
	assert_null(conf_parse_size("512k", &v));
	assert_int_equal(v, 512 * 1024);
	assert_null(conf_parse_size("512K", &v));
	assert_int_equal(v, 512 * 1024);
	assert_null(conf_parse_size("16M", &v));
	assert_int_equal(v, 16 << 20);
	assert_null(conf_parse_size("16m", &v));
	assert_int_equal(v, 16 << 20);
	assert_null(conf_parse_size("1G", &v));
	assert_int_equal(v, 1 << 30);
	assert_null(conf_parse_size("17179869183G", &v));
	assert_true(v == 17179869183ull << 30);
	refuse_size("17179869184G", "size too large");
	refuse_size("99999999999999G", "size too large");
	refuse_size("", "empty value");
	refuse_size("M", "number missing");
	refuse_size("16T", "bad size unit (use k, M or G)");
	refuse_size("16MB", "bad size unit (use k, M or G)");
	refuse_size("1.5M", "not a size (e.g. 512k, 16M)");
	refuse_size("-1", "not a size (e.g. 512k, 16M)");
}

static void
test_bool(void **state)
{
	static const char *const yes[] = {"yes", "YES", "true", "True", "on", "ON", "1"};
	static const char *const no[] = {"no", "No", "false", "FALSE", "off", "Off", "0"};
	static const char *const bad[] = {"", "yep", "y", "n", "2", "yes ", " no", "enabled"};
	bool b;
	(void)state;

	for (size_t i = 0; i < sizeof yes / sizeof *yes; i++) {
		b = false;
		assert_null(conf_parse_bool(yes[i], &b));
		assert_true(b);
	}
	for (size_t i = 0; i < sizeof no / sizeof *no; i++) {
		b = true;
		assert_null(conf_parse_bool(no[i], &b));
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		b = true;
		assert_string_equal(conf_parse_bool(bad[i], &b), "not a boolean (yes or no)");
		assert_true(b);
	}
}

static void
test_percent(void **state)
{
	unsigned p;
	(void)state;

	assert_null(conf_parse_percent("50%", &p));
	assert_int_equal(p, 50);
	assert_null(conf_parse_percent("50", &p));
	assert_int_equal(p, 50);
	assert_null(conf_parse_percent("0", &p));
	assert_int_equal(p, 0);
	assert_null(conf_parse_percent("100%", &p));
	assert_int_equal(p, 100);
	p = 7;
	assert_string_equal(conf_parse_percent("", &p), "not a percentage (e.g. 50%)");
	assert_string_equal(conf_parse_percent("%", &p), "not a percentage (e.g. 50%)");
	assert_string_equal(conf_parse_percent("12345678901234567%", &p),
			    "not a percentage (e.g. 50%)");
	assert_string_equal(conf_parse_percent("101%", &p), "not a percentage between 0% and 100%");
	assert_string_equal(conf_parse_percent("50%%", &p), "not a percentage between 0% and 100%");
	assert_string_equal(conf_parse_percent("-5%", &p), "not a percentage between 0% and 100%");
	assert_string_equal(conf_parse_percent("5 %", &p), "not a percentage between 0% and 100%");
	assert_int_equal(p, 7);
}

static void
test_count(void **state)
{
	u128 v = 0;
	unsigned f = 0;
	(void)state;

	assert_null(conf_parse_count("134217728", 32, &v));
	assert_true(v == (u128)1 << 27);
	assert_null(conf_parse_count("134,217,728", 32, &v));
	assert_true(v == (u128)1 << 27);
	assert_null(conf_parse_count("134_217_728", 32, &v));
	assert_true(v == (u128)1 << 27);
	assert_null(conf_parse_count("/5", 32, &v));
	assert_true(v == (u128)1 << 27);
	assert_null(conf_parse_count("/0", 32, &v));
	assert_true(v == (u128)1 << 32);
	assert_null(conf_parse_count("4294967296", 32, &v));
	assert_null(conf_parse_count("0", 32, &v));
	assert_true(v == 0);
	assert_string_equal(conf_parse_count("4294967297", 32, &v), "more addresses than the family has");
	assert_null(conf_parse_count("/24", 128, &v));
	assert_true(v == (u128)1 << 104);
	assert_null(conf_parse_count("/0", 128, &v));
	assert_true(v == ~(u128)0);
	assert_null(conf_parse_count("340282366920938463463374607431768211455", 128, &v));
	assert_true(v == ~(u128)0);
	assert_string_equal(conf_parse_count("340282366920938463463374607431768211456", 128, &v),
			    "more addresses than the family has");
	assert_string_equal(conf_parse_count("/33", 32, &v), "not a prefix length of the family (e.g. /5)");
	assert_string_equal(conf_parse_count("/", 32, &v), "not a prefix length of the family (e.g. /5)");
	assert_string_equal(conf_parse_count("", 32, &v), "empty value");
	assert_string_equal(conf_parse_count(",5", 32, &v), "not a number of addresses (e.g. 134217728 or /5)");
	assert_string_equal(conf_parse_count("5,", 32, &v), "not a number of addresses (e.g. 134217728 or /5)");
	assert_string_equal(conf_parse_count("1e6", 32, &v), "not a number of addresses (e.g. 134217728 or /5)");
	assert_string_equal(conf_parse_count("-1", 32, &v), "not a number of addresses (e.g. 134217728 or /5)");

	assert_null(conf_parse_factor("10x", &f));
	assert_int_equal(f, 10);
	assert_null(conf_parse_factor("10", &f));
	assert_null(conf_parse_factor("0", &f));
	assert_int_equal(f, 0);
	assert_null(conf_parse_factor("1000000X", &f));
	assert_string_equal(conf_parse_factor("x", &f), "not a factor (e.g. 10x)");
	assert_string_equal(conf_parse_factor("1.5x", &f), "not a factor between 1x and 1000000x (0 for no limit)");
	assert_string_equal(conf_parse_factor("1000001x", &f), "not a factor between 1x and 1000000x (0 for no limit)");
	assert_string_equal(conf_parse_factor("10xx", &f), "not a factor between 1x and 1000000x (0 for no limit)");
}

static void
test_getters(void **state)
{
	static const char *const pairs[] = {
		"timeout", "1h",     /* line 10 */
		"timeout", "7x",     /* 11 */
		"max_body", "16M",   /* 12 */
		"flag", "maybe",     /* 13 */
		"on", "yes",         /* 14 */
		"shrink", "150%",    /* 15 */
		"count", "42",       /* 16 */
		"~preset", "banana", /* from a preset */
		NULL,
	};
	struct conf_section **a = mksec(pairs);
	const struct conf_section *s = a[0];
	struct err err;
	uint64_t u = 5;
	unsigned pct = 5;
	bool b = false;
	(void)state;

	/* Absent: no error, the default stays. */
	assert_int_equal(conf_get_duration(s, "absent", &u, &err), 0);
	assert_int_equal(conf_get_size(s, "absent", &u, &err), 0);
	assert_int_equal(conf_get_uint(s, "absent", 10, &u, &err), 0);
	assert_int_equal(u, 5);
	assert_int_equal(conf_get_bool(s, "absent", &b, &err), 0);
	assert_false(b);
	assert_int_equal(conf_get_percent(s, "absent", &pct, &err), 0);
	assert_int_equal(pct, 5);

	/* The last value counts, and the message names its line. */
	assert_int_equal(conf_get_duration(s, "timeout", &u, &err), -1);
	assert_string_equal(err.msg,
			    "t.conf:11: timeout = 7x: bad duration unit (use s, m, h, d or w)");
	assert_int_equal(err.line, 11);
	assert_int_equal(u, 5);
	assert_int_equal(conf_get_size(s, "max_body", &u, &err), 0);
	assert_int_equal(u, 16 << 20);
	assert_int_equal(conf_get_bool(s, "on", &b, &err), 0);
	assert_true(b);
	assert_int_equal(conf_get_bool(s, "flag", &b, &err), -1);
	assert_string_equal(err.msg, "t.conf:13: flag = maybe: not a boolean (yes or no)");
	assert_int_equal(conf_get_percent(s, "shrink", &pct, &err), -1);
	assert_string_equal(err.msg,
			    "t.conf:15: shrink = 150%: not a percentage between 0% and 100%");
	assert_int_equal(conf_get_uint(s, "count", 100, &u, &err), 0);
	assert_int_equal(u, 42);
	assert_int_equal(conf_get_uint(s, "count", 41, &u, &err), -1);
	assert_string_equal(err.msg, "t.conf:16: count = 42: number too large");
	assert_int_equal(conf_get_size(s, "count", &u, &err), 0);
	assert_int_equal(u, 42);
	/* A value from a preset (line 0) points at the section. */
	assert_int_equal(conf_get_bool(s, "preset", &b, &err), -1);
	assert_string_equal(err.msg, "t.conf:1: preset = banana: not a boolean (yes or no)");
	assert_int_equal(err.line, 1);
	confkv_free(a, 1);
}

static void
test_words(void **state)
{
	static const char *const pairs[] = {
		"w", " a,b\t c ,, d,", "w", "", "w", "e", "empty", " , \t", NULL,
	};
	struct conf_section **a = mksec(pairs);
	size_t n = 99;
	char **w;
	(void)state;

	assert_non_null(w = conf_get_words(a[0], "w", &n));
	assert_int_equal(n, 5);
	assert_string_equal(w[0], "a");
	assert_string_equal(w[1], "b");
	assert_string_equal(w[2], "c");
	assert_string_equal(w[3], "d");
	assert_string_equal(w[4], "e");
	assert_null(w[5]);
	conf_words_free(w);
	/* Absent or blank: an empty list, not NULL. */
	assert_non_null(w = conf_get_words(a[0], "absent", &n));
	assert_int_equal(n, 0);
	assert_null(w[0]);
	conf_words_free(w);
	assert_non_null(w = conf_get_words(a[0], "empty", &n));
	assert_int_equal(n, 0);
	conf_words_free(w);
	conf_words_free(NULL);
	confkv_free(a, 1);

	/* Past the first allocation. */
	char many[4096], *p = many;
	for (int i = 0; i < 100; i++)
		p += sprintf(p, "w%d ", i);
	static const char *pairs2[3] = {"w", NULL, NULL};
	pairs2[1] = many;
	a = mksec(pairs2);
	assert_non_null(w = conf_get_words(a[0], "w", &n));
	assert_int_equal(n, 100);
	assert_string_equal(w[99], "w99");
	assert_null(w[100]);
	conf_words_free(w);
	confkv_free(a, 1);
}

static void
test_prefixes(void **state)
{
	static const char *const pairs[] = {
		"p",    "192.0.2.1 192.0.2.2,192.0.2.3",
		"p",    "2001:db8::/48",
		"~p",   "198.51.100.0/24",
		"bad",  "192.0.2.1",
		"bad",  "192.0.2.0/33 192.0.2.9",
		"~pre", "nope",
		NULL,
	};
	struct conf_section **a = mksec(pairs);
	struct pset *set = pset_new();
	struct err err, why;
	struct pfx x;
	char want[ERR_MAX + 64];
	(void)state;

	assert_non_null(set);
	assert_int_equal(conf_get_prefixes(a[0], "p", "source t", set, &err), 0);
	/* .1-.3 merged into /32 + /31, and the preset's /24 */
	assert_int_equal(pset_cidr_count(set, PFX_V4), 3);
	assert_int_equal(pset_cidr_count(set, PFX_V6), 1);
	/* Absent: nothing added, no error. */
	assert_int_equal(conf_get_prefixes(a[0], "absent", "source t", set, &err), 0);
	pset_free(set);

	/* The bad entry's own line, quoted with pfx's reason. */
	assert_non_null(set = pset_new());
	assert_int_equal(conf_get_prefixes(a[0], "bad", "source t", set, &err), -1);
	assert_false(pfx_parse("192.0.2.0/33", 12, &x, &why));
	snprintf(want, sizeof want, "t.conf:14: [source t] bad: \"192.0.2.0/33\": %s", why.msg);
	assert_string_equal(err.msg, want);
	assert_int_equal(err.line, 14);
	pset_free(set);

	/* From a preset: the section's line. */
	assert_non_null(set = pset_new());
	assert_int_equal(conf_get_prefixes(a[0], "pre", "output o", set, &err), -1);
	assert_false(pfx_parse("nope", 4, &x, &why));
	snprintf(want, sizeof want, "t.conf:1: [output o] pre: \"nope\": %s", why.msg);
	assert_string_equal(err.msg, want);
	pset_free(set);
	confkv_free(a, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_uint),    cmocka_unit_test(test_count),    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_size),    cmocka_unit_test(test_bool),
	    cmocka_unit_test(test_percent), cmocka_unit_test(test_getters),
	    cmocka_unit_test(test_words),   cmocka_unit_test(test_prefixes),
	};
	return cmocka_run_group_tests_name("confval", tests, NULL, NULL);
}
