/* Unit tests: parse_json — strict JSON documents, selectors on the real
 * range documents, refusals (broken downloads, drift, hostile bodies). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testfiles.h"

#include "jsonpath.h"
#include "parse_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Run up to three selectors on a buffer: 0/-1, the set merged, err. */
static int
run(const char *buf, size_t len, const char *s1, const char *s2, bool allow_empty, struct pset *out,
    struct err *err)
{
	const char *texts[2] = {s1, s2};
	struct jsonpath *sel[2] = {NULL, NULL};
	size_t n = 0;
	struct err reason;
	int rc;

	for (size_t i = 0; i < 2; i++) {
		if (!texts[i])
			continue;
		if (!(sel[n] = jsonpath_compile(texts[i], &reason)))
			fail_msg("%s: %s", texts[i], reason.msg);
		n++;
	}
	memset(err, 0, sizeof *err);
	rc = parse_json_buf("test", buf, len, sel, n, allow_empty, out, err);
	for (size_t i = 0; i < n; i++)
		jsonpath_free(sel[i]);
	if (rc == 0)
		assert_int_equal(pset_merge(out), 0);
	return rc;
}

static struct pset *
feed_ok(const char *file, const char *s1, const char *s2)
{
	size_t len;
	char *buf = test_slurp(test_fixture(file), &len);
	struct pset *s = pset_new();
	struct err err;

	if (run(buf, len, s1, s2, false, s, &err) != 0)
		fail_msg("%s refused: %zu: %s", file, err.line, err.msg);
	free(buf);
	return s;
}

static void
refuse_str(const char *doc, size_t len, const char *sel, const char *want)
{
	struct pset *s = pset_new();
	struct err err;

	if (run(doc, len, sel, NULL, false, s, &err) == 0)
		fail_msg("accepted: %.60s", doc);
	if (!strstr(err.msg, want))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, want);
	pset_free(s);
}

static bool
has(const struct pset *s, const char *addr)
{
	enum pfx_family fam;
	u128 a;
	struct err why;

	if (!pfx_parse_addr(addr, strlen(addr), &fam, &a, &why))
		fail_msg("bad test address %s", addr);
	return pset_contains(s, fam, a);
}

static void
test_aws(void **state)
{
	struct pset *s;

	(void)state;
	s = feed_ok("feeds/aws-ip-ranges.json", "$.prefixes[*].ip_prefix",
		    "$.ipv6_prefixes[*].ipv6_prefix");
	assert_true(pset_count(s, PFX_V4) > 100);
	assert_true(pset_count(s, PFX_V6) > 10);
	pset_free(s);
	/* Service and region filters. */
	s = feed_ok("feeds/aws-ip-ranges.json",
		    "$.prefixes[?@.service=='EC2' && @.region=='us-east-1'].ip_prefix", NULL);
	assert_true(pset_count(s, PFX_V4) > 0);
	assert_int_equal(pset_count(s, PFX_V6), 0);
	pset_free(s);
	s = feed_ok("feeds/aws-ip-ranges.json", "$.prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ip_prefix",
		    "$.ipv6_prefixes[?@.service=='ROUTE53_HEALTHCHECKS'].ipv6_prefix");
	assert_true(pset_total(s) > 0);
	pset_free(s);
}

static void
test_google_github_azure(void **state)
{
	struct pset *s;
	struct err err;
	size_t len;
	char *buf;

	(void)state;
	s = feed_ok("feeds/google-goog.json", "$.prefixes[*].ipv4Prefix", "$.prefixes[*].ipv6Prefix");
	assert_true(has(s, "8.8.8.8"));
	assert_true(pset_count(s, PFX_V6) > 0);
	pset_free(s);
	s = feed_ok("feeds/google-cloud.json", "$.prefixes[?@.scope=='europe-west1'].ipv4Prefix",
		    NULL);
	assert_true(pset_count(s, PFX_V4) > 0);
	pset_free(s);
	/* GitHub: CIDR arrays next to SSH keys and host names. */
	s = feed_ok("feeds/github-meta.json", "$.hooks[*]", NULL);
	assert_true(has(s, "192.30.252.1"));
	assert_true(has(s, "140.82.112.1"));
	pset_free(s);
	buf = test_slurp(test_fixture("feeds/github-meta.json"), &len);
	s = pset_new();
	assert_int_equal(run(buf, len, "$.ssh_keys[*]", NULL, false, s, &err), -1);
	assert_non_null(strstr(err.msg, "$['ssh_keys'][0] is not an address"));
	pset_free(s);
	s = pset_new();
	assert_int_equal(run(buf, len, "$.hooks", NULL, false, s, &err), -1);
	assert_non_null(strstr(err.msg, "$['hooks'] is an array, not a string"));
	pset_free(s);
	s = pset_new();
	assert_int_equal(run(buf, len, "$.domains.actions[*]", NULL, false, s, &err), -1);
	assert_non_null(strstr(err.msg, "$['domains']['actions'][0] is not an address"));
	pset_free(s);
	s = pset_new();
	assert_int_equal(run(buf, len, "$.verifiable_password_authentication", NULL, false, s, &err), -1);
	assert_non_null(strstr(err.msg, "is a boolean, not a string"));
	pset_free(s);
	free(buf);
	/* Azure: by tag name and by systemService. */
	s = feed_ok("feeds/azure-service-tags.json",
		    "$.values[?@.name=='AzureCloud'].properties.addressPrefixes[*]", NULL);
	assert_true(pset_total(s) > 500);
	pset_free(s);
	s = feed_ok("feeds/azure-service-tags.json",
		    "$.values[?@.properties.systemService=='AzureFrontDoor'].properties.addressPrefixes[*]",
		    NULL);
	assert_true(pset_total(s) > 0);
	pset_free(s);
}

static void
test_drift_and_empty(void **state)
{
	static const char doc[] = "{\"prefixes\":[{\"ip_prefix\":\"192.0.2.0/24\"}],\"empty\":[]}";
	struct pset *s = pset_new();
	struct err err;

	(void)state;
	/* A renamed key must not read as an empty list. */
	refuse_str(doc, strlen(doc), "$.prefixes[*].ipPrefix",
		   "selector \"$.prefixes[*].ipPrefix\" matched nothing");
	refuse_str(doc, strlen(doc), "$.empty[*]", "matched nothing");
	assert_int_equal(run(doc, strlen(doc), "$.empty[*]", NULL, true, s, &err), 0);
	assert_int_equal(pset_total(s), 0);
	pset_free(s);
	/* One selector of two matching nothing refuses too. */
	s = pset_new();
	assert_int_equal(run(doc, strlen(doc), "$.prefixes[*].ip_prefix", "$.v6[*]", false, s, &err),
			 -1);
	assert_non_null(strstr(err.msg, "\"$.v6[*]\" matched nothing"));
	pset_free(s);
}

static void
test_bad_fixtures(void **state)
{
	static const char *const bad[] = {
		"bad/cloudflare-404.html.txt",
		"bad/cloudflare-blocked-sorted.txt",
		"bad/cloudflare-js-challenge.txt",
		"bad/oracle-html-error.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		size_t len;
		char *buf = test_slurp(test_fixture(bad[i]), &len);
		struct pset *s = pset_new();
		struct err err;

		if (run(buf, len, "$.prefixes[*].ip_prefix", NULL, true, s, &err) == 0)
			fail_msg("%s accepted", bad[i]);
		if (!strstr(err.msg, "HTML"))
			fail_msg("%s: \"%s\" does not say HTML", bad[i], err.msg);
		assert_int_equal(pset_total(s), 0);
		pset_free(s);
		free(buf);
	}
}

static void
test_strictness(void **state)
{
	static const char nul[] = "{\"a\":[\"192.0.2.1\"]}\0";
	char deep[512];
	size_t k = 0;

	(void)state;
	refuse_str("", 0, "$.a[*]", "empty document");
	refuse_str("  \n", 3, "$.a[*]", "empty document");
	refuse_str("{\"a\":[\"192.0.2.1\"]} x", 21, "$.a[*]", "trailing data");
	refuse_str("{\"a\":[\"192.0.2.1\"]}{}", 21, "$.a[*]", "trailing data");
	refuse_str(nul, sizeof nul - 1, "$.a[*]", "NUL byte");
	refuse_str("{\"a\":[\"192.0.2.1\\u0000x\"]}", 26, "$.a[*]", "NUL character");
	refuse_str("{\"a\":[\"192.0.2.1\"],\"b\":\"\xc3\x28\"}", 29, "$.a[*]", "invalid UTF-8");
	refuse_str("{\"a\":[\"\xed\xa0\x80\"]}", 14, "$.a[*]", "invalid UTF-8");
	refuse_str("{\"a\":[\"\xc0\xaf\"]}", 13, "$.a[*]", "invalid UTF-8");
	refuse_str("{\"a\":[\"192.0.2.1\",]}", 20, "$.a[*]", "not valid JSON");
	refuse_str("{\"a\":\n[\"192.0.2.1\"\n,,]}", 22, "$.a[*]", "column 2: not valid JSON");
	refuse_str("<html><body>hi</body></html>", 28, "$.a[*]", "HTML page");
	refuse_str("{\"a\":[\" 192.0.2.1\"]}", 20, "$.a[*]", "$['a'][0] is not an address");
	refuse_str("{\"a\":[\"0.0.0.0/-1\"]}", 20, "$.a[*]", "$['a'][0] is not an address");
	refuse_str("{\"a\":[1]}", 9, "$.a[*]", "$['a'][0] is a number, not a string");
	refuse_str("{\"a\":[null]}", 12, "$.a[*]", "is null, not a string");
	refuse_str("{\"a\":[{\"x\":1}]}", 15, "$.a[*]", "is an object, not a string (select its members");
	for (int i = 0; i < PARSE_JSON_MAX_DEPTH + 1; i++)
		deep[k++] = '[';
	for (int i = 0; i < PARSE_JSON_MAX_DEPTH + 1; i++)
		deep[k++] = ']';
	refuse_str(deep, k, "$[*]", "nested deeper than 64 levels");
	/* Every offset relative to the 8-byte blocks the scan skips. */
	for (size_t at = 0; at < 24; at++) {
		static const char *const bad[] = {"\x00", "\xff", "\xc3"};
		static const char *const want[] = {"NUL byte", "invalid UTF-8", "invalid UTF-8"};

		for (size_t b = 0; b < 3; b++) {
			char doc[128];
			int n = snprintf(doc, sizeof doc, "{\"a\":[\"192.0.2.1\"],\"pad\":\"%.*s", (int)at,
					 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");

			doc[n++] = bad[b][0];
			n += snprintf(doc + n, sizeof doc - (size_t)n, "yyyyyyyyyyyyyyyy\"}");
			refuse_str(doc, (size_t)n, "$.a[*]", want[b]);
		}
	}
	/* Brackets inside strings do not count as nesting. */
	{
		char doc[512];
		struct pset *s = pset_new();
		struct err err;
		int n = snprintf(doc, sizeof doc, "{\"x\":\"%.*s\",\"a\":[\"192.0.2.0/24\"]}", 100,
				 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
				 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");

		assert_int_equal(run(doc, (size_t)n, "$.a[*]", NULL, false, s, &err), 0);
		assert_true(has(s, "192.0.2.77"));
		pset_free(s);
	}
	/* Ranges and host bits: accepted (host bits cleared with a warning). */
	{
		static const char doc[] = "\xef\xbb\xbf{\"a\":[\"192.0.2.1-192.0.2.9\",\"198.51.100.7/24\","
					  "\"2001:db8::1\"]}\r\n";
		struct pset *s = pset_new();
		struct err err;

		assert_int_equal(run(doc, sizeof doc - 1, "$.a[*]", NULL, false, s, &err), 0);
		assert_true(has(s, "192.0.2.9"));
		assert_false(has(s, "192.0.2.10"));
		assert_true(has(s, "198.51.100.200"));
		assert_true(has(s, "2001:db8::1"));
		pset_free(s);
	}
}

static void
test_check_only(void **state)
{
	struct err err;
	static const char euro[] = "[1, {\"a\": \"\xe2\x82\xac\"}]";

	(void)state;
	assert_int_equal(parse_json_check(euro, strlen(euro), &err), 0);
	assert_int_equal(parse_json_check("[1, {\"a\": }]", 12, &err), -1);
}

/* Refused for a duplicate key: exactly this line and reason. */
static void
dup_at(const char *doc, size_t line, const char *want)
{
	struct err err;

	if (parse_json_check(doc, strlen(doc), &err) == 0)
		fail_msg("accepted: %s", doc);
	if (err.line != line || strcmp(err.msg, want) != 0)
		fail_msg("%s: got %zu: \"%s\", wanted %zu: \"%s\"", doc, err.line, err.msg, line,
			 want);
}

static void
dup_ok(const char *doc)
{
	struct err err;

	if (parse_json_check(doc, strlen(doc), &err) != 0)
		fail_msg("refused: %s: %zu: %s", doc, err.line, err.msg);
}

static void
test_duplicate_keys(void **state)
{
	(void)state;
	/* Top level, on one line and on several. */
	dup_at("{\"prefixes\": [], \"prefixes\": []}", 1, "column 18: duplicate key \"prefixes\"");
	dup_at("{\n  \"prefixes\": [],\n  \"prefixes\": []\n}", 3,
	       "column 3: duplicate key \"prefixes\"");
	dup_at("{\"a\":1,\"b\":2,\"c\":3,\"a\":4}", 1, "column 20: duplicate key \"a\"");
	/* Nested, and in an array of objects (the second entry's). */
	dup_at("{\"a\": {\"b\": 1, \"c\": 2, \"b\": 3}}", 1, "column 24: duplicate key \"b\"");
	dup_at("{\"prefixes\":[{\"ip_prefix\":\"192.0.2.0/24\"},\n {\"ip_prefix\":\"192.0.2.0/24\", "
	       "\"ip_prefix\":\"198.51.100.0/24\"}]}",
	       2, "column 31: duplicate key \"ip_prefix\"");
	dup_at("[[{\"x\":1}],[{\"y\":{\"z\":[{\"q\":1,\"q\":2}]}}]]", 1,
	       "column 31: duplicate key \"q\"");
	/* Names compared decoded: escapes, surrogate pairs, "\/". */
	dup_at("{\"a\": 1, \"\\u0061\": 2}", 1, "column 10: duplicate key \"a\"");
	dup_at("{\"\\u0061\": 1, \"a\": 2}", 1, "column 15: duplicate key \"a\"");
	dup_at("{\"\\ud83d\\ude00\":1,\"\xf0\x9f\x98\x80\":2}", 1,
	       "column 19: duplicate key \"\xf0\x9f\x98\x80\"");
	dup_at("{\"\\u00e9\":1,\"\xc3\xa9\":2}", 1, "column 13: duplicate key \"\xc3\xa9\"");
	dup_at("{\"a/b\":1,\"a\\/b\":2}", 1, "column 10: duplicate key \"a/b\"");
	/* The first repeated name in the text, whichever object closes first. */
	dup_at("{\"a\":{\"b\":1,\"b\":2},\"a\":3}", 1, "column 13: duplicate key \"b\"");
	dup_at("{\"a\":1,\"a\":{\"b\":1,\"b\":2}}", 1, "column 8: duplicate key \"a\"");
	/* Colons and escaped quotes inside strings do not shift the position. */
	dup_at("{\"u\":\"\\\\\\\":\",\"v\":\"\\\\\",\"w\":{\"u\":\":\"},\"u\":2}", 1,
	       "column 37: duplicate key \"u\"");
	dup_at("{\"k\" \t\r\n : 1, \"k\"\n:2}", 2, "column 7: duplicate key \"k\"");
	/* The name, on one line: control characters and quotes escaped. */
	dup_at("{\"a\\nb\":1,\"a\\nb\":2}", 1, "column 11: duplicate key \"a\\u000ab\"");
	dup_at("{\"\\\"\\\\\":1,\"\\\"\\\\\":2}", 1, "column 11: duplicate key \"\\\"\\\\\"");
	dup_at("{\"\":1,\"\":2}", 1, "column 7: duplicate key \"\"");
	/* The same name in different objects, names differing in case or a
	 * blank, and the same string as a value, are fine. */
	dup_ok("{\"a\":{\"x\":1},\"b\":{\"x\":2},\"x\":[{\"x\":1},{\"x\":2}]}");
	dup_ok("{\"a\":1,\"A\":2,\"a \":3,\"\\u0062\":\"a\",\"c\":\"a\"}");
	dup_ok("[{\"a\":1},{\"a\":1}]");
	/* A syntax error comes first. */
	refuse_str("{\"a\":1,\"a\":2,}", 14, "$.a", "not valid JSON");
	/* Through the reader with selectors too. */
	refuse_str("{\"a\":[\"192.0.2.1\"],\"a\":[\"198.51.100.1\"]}", 40, "$.a[*]",
		   "column 20: duplicate key \"a\"");
}

/* Objects with thousands of members: sorted, not compared pairwise; the
 * duplicate found wherever it stands, and long names cut. */
static void
test_duplicate_keys_large(void **state)
{
	enum { N = 20000 };
	size_t cap = (size_t)N * 16 + 256, n;
	char *doc = malloc(cap), want[512], longname[200];
	struct err err;

	(void)state;
	assert_non_null(doc);
	for (int variant = 0; variant < 4; variant++) {
		n = 0;
		doc[n++] = '{';
		for (int i = 0; i < N; i++)
			n += (size_t)snprintf(doc + n, cap - n, "%s\"k%d\":%d", i ? "," : "",
					      (i * 7919) % N, i);
		if (variant == 1) /* the last member repeats a middle one */
			n += (size_t)snprintf(doc + n, cap - n, ",\"k%d\":0", N / 2);
		if (variant == 2) /* escaped, repeating the first */
			n += (size_t)snprintf(doc + n, cap - n, ",\"\\u006b0\":0");
		if (variant == 3) /* two: the earlier one is reported */
			n += (size_t)snprintf(doc + n, cap - n, ",\"k5\":0,\"k3\":0");
		doc[n++] = '}';
		doc[n] = '\0';
		if (variant == 0) {
			assert_int_equal(parse_json_check(doc, n, &err), 0);
			continue;
		}
		assert_int_equal(parse_json_check(doc, n, &err), -1);
		assert_int_equal(err.line, 1);
		size_t col = (size_t)(strrchr(doc, ',') - doc) + 2;
		if (variant == 1)
			snprintf(want, sizeof want, "column %zu: duplicate key \"k%d\"", col, N / 2);
		else if (variant == 2)
			snprintf(want, sizeof want, "column %zu: duplicate key \"k0\"", col);
		else
			snprintf(want, sizeof want, "column %zu: duplicate key \"k5\"", col - 7);
		assert_string_equal(err.msg, want);
	}
	free(doc);
	memset(longname, 'n', 150);
	longname[150] = '\0';
	n = (size_t)snprintf(want, sizeof want, "{\"%s\":1,\"%s\":2}", longname, longname);
	assert_true(n < sizeof want);
	assert_int_equal(parse_json_check(want, n, &err), -1);
	assert_non_null(strstr(err.msg, "duplicate key \"nnnnnnnn"));
	assert_non_null(strstr(err.msg, "n...\""));
	assert_true(strlen(err.msg) < 100);
}

/* An object of the names names[0..n) with member j named as member i
 * (no repeat when i == j): the column of member j, refused there. */
static void
dup_in_object(const char *const *names, size_t n, size_t i, size_t j)
{
	char doc[4096], want[256];
	size_t len = 0, col = 0;

	doc[len++] = '{';
	for (size_t k = 0; k < n; k++) {
		if (k == j)
			col = len + (k ? 2 : 1);
		len += (size_t)snprintf(doc + len, sizeof doc - len, "%s\"%s\":%zu", k ? "," : "",
					names[k == j ? i : k], k);
		assert_true(len < sizeof doc - 2);
	}
	doc[len++] = '}';
	doc[len] = '\0';
	if (i == j) {
		dup_ok(doc);
		return;
	}
	snprintf(want, sizeof want, "column %zu: duplicate key \"%s\"", col, names[i]);
	dup_at(doc, 1, want);
}

/* Every position of a repeat, in objects of 2 to 40 members: on both
 * sides of the size up to which names are compared pair by pair. */
static void
test_duplicate_keys_every_position(void **state)
{
	char buf[40][8];
	const char *names[40];

	(void)state;
	for (size_t k = 0; k < 40; k++) {
		snprintf(buf[k], sizeof buf[k], "m%zu", k);
		names[k] = buf[k];
	}
	for (size_t n = 1; n <= 40; n++)
		for (size_t j = 0; j < n; j++)
			for (size_t i = 0; i <= j; i++)
				dup_in_object(names, n, i, j);
}

/* Names that all land on one slot of parse_json's hash table (FNV-1a,
 * the top bits of the Fibonacci product; a table of 64 slots for 24
 * members) exhaust its probe budget, and the object is sorted instead:
 * the verdict is the same.  (Should the hash change, these names merely
 * stop colliding; the test still checks the verdict.) */
static void
test_duplicate_keys_colliding(void **state)
{
	enum { N = 24, BITS = 6 };
	char buf[N][16];
	const char *names[N];
	size_t found = 0;

	(void)state;
	for (unsigned c = 0; found < N; c++) {
		uint64_t h = 0xcbf29ce484222325ULL;

		snprintf(buf[found], sizeof buf[found], "c%u", c);
		for (const char *p = buf[found]; *p; p++)
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		if ((h * 0x9e3779b97f4a7c15ULL) >> (64 - BITS) == 5)
			names[found] = buf[found], found++;
	}
	for (size_t j = 0; j < N; j++)
		for (size_t i = 0; i <= j; i++)
			dup_in_object(names, N, i, j);
}

/* The real documents have no duplicate keys and still read. */
static void
test_fixtures_no_duplicates(void **state)
{
	static const char *const feeds[] = {
		"feeds/aws-ip-ranges.json", "feeds/azure-service-tags.json",
		"feeds/github-meta.json",   "feeds/google-cloud.json",
		"feeds/google-goog.json",
	};

	(void)state;
	for (size_t i = 0; i < sizeof feeds / sizeof feeds[0]; i++) {
		size_t len;
		char *buf = test_slurp(test_fixture(feeds[i]), &len);
		struct err err;

		if (parse_json_check(buf, len, &err) != 0)
			fail_msg("%s: %zu: %s", feeds[i], err.line, err.msg);
		free(buf);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aws),
		cmocka_unit_test(test_google_github_azure),
		cmocka_unit_test(test_drift_and_empty),
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_check_only),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_keys_large),
		cmocka_unit_test(test_duplicate_keys_every_position),
		cmocka_unit_test(test_duplicate_keys_colliding),
		cmocka_unit_test(test_fixtures_no_duplicates),
	};
	return cmocka_run_group_tests_name("parse_json", tests, NULL, NULL);
}
