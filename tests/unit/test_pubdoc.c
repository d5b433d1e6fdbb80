/* Unit tests for pubdoc: tag partition, rendering, reading back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsets.h"

#include "pubdoc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char EXPECTED[] =
	"{\n"
	"  \"syncToken\": \"1764280000\",\n"
	"  \"createDate\": \"2025-11-27-21-46-40\",\n"
	"  \"serial\": 1764280000,\n"
	"  \"expires\": \"2025-12-04-21-46-40\",\n"
	"  \"prefixes\": [\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.0/25\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.128/31\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.130/32\",\n"
	"      \"tags\": [\"dedicated\", \"eu\", \"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.131/32\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.132/30\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.136/29\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.144/28\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.160/27\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"198.51.100.192/26\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"203.0.113.7/32\",\n"
	"      \"tags\": [\"dedicated\", \"eu\"]\n"
	"    },\n"
	"    {\n"
	"      \"ip_prefix\": \"203.0.113.9/32\",\n"
	"      \"tags\": []\n"
	"    }\n"
	"  ],\n"
	"  \"ipv6_prefixes\": [\n"
	"    {\n"
	"      \"ipv6_prefix\": \"2001:db8::/48\",\n"
	"      \"tags\": [\"shared\"]\n"
	"    }\n"
	"  ]\n"
	"}\n";

struct fixture {
	struct pset *shared, *dedicated, *untagged;
	struct pubdoc_inv *inv;
};

static int
setup(void **state)
{
	static const char *const t_shared[] = {"shared"};
	static const char *const t_ded[] = {"eu", "dedicated"};
	struct fixture *f = calloc(1, sizeof *f);
	struct err why;
	f->shared = test_set("198.51.100.0/24\n2001:db8::/48");
	f->dedicated = test_set("203.0.113.7\n198.51.100.130");
	f->untagged = test_set("203.0.113.9");
	struct pubdoc_input in[] = {
		{f->shared, t_shared, 1},
		{f->dedicated, t_ded, 2},
		{f->untagged, NULL, 0},
	};
	f->inv = pubdoc_inv_new(in, 3, &why);
	assert_non_null(f->inv);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	pubdoc_inv_free(f->inv);
	pset_free(f->shared);
	pset_free(f->dedicated);
	pset_free(f->untagged);
	free(f);
	return 0;
}

static void
test_json_exact(void **state)
{
	struct fixture *f = *state;
	struct pubdoc_meta m = {.serial = 1764280000, .created = 1764280000,
				.expires = 1764280000 + 7 * 86400};
	size_t len;
	char *doc = pubdoc_json(f->inv, &m, &len);
	assert_non_null(doc);
	assert_string_equal(doc, EXPECTED);
	assert_int_equal(len, strlen(EXPECTED));
	/* Deterministic. */
	size_t len2;
	char *again = pubdoc_json(f->inv, &m, &len2);
	assert_string_equal(doc, again);
	free(again);

	struct pubdoc_meta back;
	struct err err;
	assert_int_equal(pubdoc_meta_parse(doc, len, &back, &err), 0);
	assert_memory_equal(&m, &back, sizeof m);
	free(doc);
}

static void
test_text_lists(void **state)
{
	struct fixture *f = *state;
	size_t len;
	char *v4 = pubdoc_text(f->inv, PFX_V4, &len);
	/* The plain list ignores tags: 198.51.100.0/24 stays whole. */
	assert_string_equal(v4, "198.51.100.0/24\n203.0.113.7/32\n203.0.113.9/32\n");
	free(v4);
	char *v6 = pubdoc_text(f->inv, PFX_V6, &len);
	assert_string_equal(v6, "2001:db8::/48\n");
	free(v6);
}

static void
test_parse_back(void **state)
{
	struct fixture *f = *state;
	struct err err;
	struct pset *all = pset_new(), *want;
	assert_int_equal(pubdoc_parse(EXPECTED, strlen(EXPECTED), NULL, 0, 1764280000, all, &err),
			 0);
	assert_int_equal(pset_merge(all), 0);
	assert_true(pset_equal(all, f->inv->all));
	pset_free(all);

	static const char *const ded[] = {"dedicated"};
	struct pset *sel = pset_new();
	assert_int_equal(pubdoc_parse(EXPECTED, strlen(EXPECTED), ded, 1, 0, sel, &err), 0);
	assert_int_equal(pset_merge(sel), 0);
	want = test_set("203.0.113.7\n198.51.100.130");
	assert_true(pset_equal(sel, want));
	pset_free(want);
	pset_free(sel);

	/* Any of several tags. */
	static const char *const two[] = {"nope", "eu"};
	sel = pset_new();
	assert_int_equal(pubdoc_parse(EXPECTED, strlen(EXPECTED), two, 2, 0, sel, &err), 0);
	assert_int_equal(pset_merge(sel), 0);
	assert_int_equal(pset_total(sel), 2);
	pset_free(sel);

	/* Expired. */
	sel = pset_new();
	assert_int_equal(
	    pubdoc_parse(EXPECTED, strlen(EXPECTED), NULL, 0, 1764280000 + 7 * 86400, sel, &err),
	    -1);
	assert_non_null(strstr(err.msg, "expired"));
	pset_free(sel);
}

static void
test_parse_doc(void **state)
{
	(void)state;
	struct err perr;
	static const char *const none[] = {"nope"};
	char doc[512];
	snprintf(doc, sizeof doc,
		 "{\"expires\": \"2999-01-01-00-00-00\", \"prefixes\": [{\"ip_prefix\": "
		 "\"192.0.2.0/24\", \"tags\": [\"a\"]}], \"ipv6_prefixes\": []}");
	struct pset *s = pset_new();
	assert_int_equal(pubdoc_parse_doc(doc, strlen(doc), NULL, 0, false, s, &perr), 0);
	assert_int_equal(pset_total(s), 1);
	pset_free(s);
	s = pset_new();
	assert_int_equal(pubdoc_parse_doc(doc, strlen(doc), none, 1, false, s, &perr), -1);
	assert_non_null(strstr(perr.msg, "tags"));
	assert_int_equal(pubdoc_parse_doc(doc, strlen(doc), none, 1, true, s, &perr), 0);
	assert_int_equal(pset_total(s), 0);
	/* An expired document, judged by the clock. */
	const char *old = "{\"expires\": \"1971-01-01-00-00-00\", \"prefixes\": [], "
			  "\"ipv6_prefixes\": []}";
	assert_int_equal(pubdoc_parse_doc(old, strlen(old), NULL, 0, true, s, &perr), -1);
	assert_non_null(strstr(perr.msg, "expired"));
	pset_free(s);
}

static void
test_parse_refusals(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"[]",
		"{\"prefixes\": []}",
		"{\"prefixes\": {}, \"ipv6_prefixes\": []}",
		"{\"prefixes\": [{\"ip_prefix\": \"300.1.1.1/32\"}], \"ipv6_prefixes\": []}",
		"{\"prefixes\": [{\"ip_prefix\": \"2001:db8::/32\"}], \"ipv6_prefixes\": []}",
		"{\"prefixes\": [{\"ipv6_prefix\": \"1.2.3.4\"}], \"ipv6_prefixes\": []}",
		"{\"prefixes\": [{\"ip_prefix\": \"1.2.3.4\", \"tags\": \"x\"}], \"ipv6_prefixes\": []}",
		"{\"expires\": \"tomorrow\", \"prefixes\": [], \"ipv6_prefixes\": []}",
	};
	struct err err;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct pset *s = pset_new();
		err_clear(&err);
		assert_int_equal(pubdoc_parse(bad[i], strlen(bad[i]), NULL, 0, 0, s, &err), -1);
		assert_true(err.msg[0] != '\0');
		pset_free(s);
	}
	/* AWS's own shape (no serial, no tags) reads fine. */
	const char *aws = "{\"syncToken\": \"1\", \"prefixes\": [{\"ip_prefix\": \"3.5.140.0/22\","
			  "\"region\": \"x\", \"service\": \"AMAZON\"}], \"ipv6_prefixes\": "
			  "[{\"ipv6_prefix\": \"2600:1f14::/35\"}]}";
	struct pset *s = pset_new();
	assert_int_equal(pubdoc_parse(aws, strlen(aws), NULL, 0, 1, s, &err), 0);
	assert_int_equal(pset_merge(s), 0);
	assert_int_equal(pset_total(s), 2);
	pset_free(s);

	struct pubdoc_meta m;
	assert_int_equal(pubdoc_meta_parse(aws, strlen(aws), &m, &err), -1);
	assert_non_null(strstr(err.msg, "serial"));
	assert_int_equal(pubdoc_meta_parse("{\"serial\": 1.5}", 15, &m, &err), -1);
}

static void
test_tags_and_dates(void **state)
{
	(void)state;
	assert_null(pubdoc_tag_check("eu-west-1"));
	assert_null(pubdoc_tag_check("region:eu"));
	assert_non_null(pubdoc_tag_check(""));
	assert_non_null(pubdoc_tag_check("a\"b"));
	assert_non_null(pubdoc_tag_check("a b"));

	static const char *const badtag[] = {"x\"y"};
	struct pset *s = test_set("192.0.2.1");
	struct pubdoc_input in = {s, badtag, 1};
	struct err why = {0};
	assert_null(pubdoc_inv_new(&in, 1, &why));
	assert_true(why.msg[0] != '\0');
	pset_free(s);

	char buf[24];
	int64_t t;
	pubdoc_date(0, buf);
	assert_string_equal(buf, "1970-01-01-00-00-00");
	assert_int_equal(pubdoc_date_parse("2026-11-27-21-46-40", &t), 0);
	pubdoc_date(t, buf);
	assert_string_equal(buf, "2026-11-27-21-46-40");
	assert_int_equal(pubdoc_date_parse("2026-11-27T21:46:40", &t), -1);
	assert_int_equal(pubdoc_date_parse("2026-13-27-21-46-40", &t), -1);
	assert_int_equal(pubdoc_date_parse("2026-11-27-21-46-40x", &t), -1);
}

/* A duplicate key refuses the document, for the reader of published
 * documents and for the publisher reading its previous one, with the
 * line and column of the repeated name. */
static void
test_duplicate_keys(void **state)
{
	static const char two_arrays[] =
		"{\n  \"prefixes\": [{\"ip_prefix\": \"192.0.2.0/24\"}],\n"
		"  \"ipv6_prefixes\": [],\n  \"prefixes\": [{\"ip_prefix\": \"198.51.100.0/24\"}]\n}\n";
	static const char in_entry[] =
		"{\"prefixes\": [{\"ip_prefix\": \"192.0.2.0/24\",\n  \"tags\": [], "
		"\"ip_prefix\": \"198.51.100.0/24\"}], \"ipv6_prefixes\": []}";
	static const char escaped[] =
		"{\"prefixes\": [], \"ipv6_prefixes\": [], \"\\u0070refixes\": []}";
	struct pset *s = pset_new();
	struct pubdoc_meta m;
	struct err err;

	(void)state;
	assert_int_equal(pubdoc_parse(two_arrays, strlen(two_arrays), NULL, 0, 0, s, &err), -1);
	assert_int_equal(err.line, 4);
	assert_string_equal(err.msg, "column 3: duplicate key \"prefixes\"");
	assert_int_equal(pubdoc_parse_doc(two_arrays, strlen(two_arrays), NULL, 0, true, s, &err), -1);
	assert_string_equal(err.msg, "column 3: duplicate key \"prefixes\"");
	assert_int_equal(pubdoc_parse(in_entry, strlen(in_entry), NULL, 0, 0, s, &err), -1);
	assert_int_equal(err.line, 2);
	assert_string_equal(err.msg, "column 15: duplicate key \"ip_prefix\"");
	assert_int_equal(pubdoc_parse(escaped, strlen(escaped), NULL, 0, 0, s, &err), -1);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.msg, "column 39: duplicate key \"prefixes\"");
	assert_int_equal(pset_total(s), 0);

	/* The publisher's previous document, read for its serial. */
	static const char meta[] = "{\"serial\": 1764280000, \"createDate\": \"2025-11-27-21-46-40\", "
				   "\"expires\": \"2025-12-04-21-46-40\", \"serial\": 1}";
	assert_int_equal(pubdoc_meta_parse(meta, strlen(meta), &m, &err), -1);
	assert_int_equal(err.line, 1);
	assert_string_equal(err.msg, "column 95: duplicate key \"serial\"");
	/* Without the repetition it reads. */
	static const char meta_ok[] = "{\"serial\": 1764280000, \"createDate\": \"2025-11-27-21-46-40\", "
				      "\"expires\": \"2025-12-04-21-46-40\"}";
	assert_int_equal(pubdoc_meta_parse(meta_ok, strlen(meta_ok), &m, &err), 0);
	assert_int_equal(m.serial, 1764280000);
	pset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_json_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_lists, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_back, setup, teardown),
		cmocka_unit_test(test_parse_doc),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_tags_and_dates),
		cmocka_unit_test(test_duplicate_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
