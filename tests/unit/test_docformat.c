/* Unit tests: docformat — format/select/sha256 keys, parsing buffers and
 * files in each format, pins and refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testfiles.h"

#include "confkv.h"
#include "docformat.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A [source t] section from "key", "value" pairs (NULL-terminated); a
 * repeated key gets several values; the pair's index is its line. */
struct sec {
	struct conf_section s;
	struct conf_kv kv[8];
	char *values[8][4];
	unsigned lines[8][4];
};

static struct sec *
mksec(const char *const *pairs)
{
	struct sec *x = calloc(1, sizeof *x);

	x->s.kind = CONF_SOURCE;
	x->s.name = (char *)(uintptr_t) "t";
	x->s.file = "test.conf";
	x->s.line = 1;
	x->s.kv = x->kv;
	for (unsigned i = 0; pairs[2 * i]; i++) {
		size_t k;

		for (k = 0; k < x->s.n_kv; k++)
			if (strcmp(x->kv[k].key, pairs[2 * i]) == 0)
				break;
		if (k == x->s.n_kv) {
			x->kv[k].key = (char *)(uintptr_t)pairs[2 * i];
			x->kv[k].values = x->values[k];
			x->kv[k].lines = x->lines[k];
			x->s.n_kv++;
		}
		x->values[k][x->kv[k].n] = (char *)(uintptr_t)pairs[2 * i + 1];
		x->lines[k][x->kv[k].n] = 10 + i;
		x->kv[k].n++;
	}
	return x;
}

static struct docformat *
fmt_ok(const char *const *pairs)
{
	struct sec *x = mksec(pairs);
	struct err err = {0};
	struct docformat *f = docformat_new("t", &x->s, &err);

	if (!f)
		fail_msg("refused: %zu: %s", err.line, err.msg);
	free(x);
	return f;
}

static void
fmt_bad(const char *const *pairs, unsigned line, const char *want)
{
	struct sec *x = mksec(pairs);
	struct err err = {0};
	struct docformat *f = docformat_new("t", &x->s, &err);

	if (f)
		fail_msg("accepted");
	if (!strstr(conf_reason(&err), want))
		fail_msg("reason \"%s\" lacks \"%s\"", err.msg, want);
	assert_int_equal(err.line, line);
	free(x);
}

static void
test_keys(void **state)
{
	struct docformat *f;

	(void)state;
	f = fmt_ok((const char *const[]){NULL});
	assert_int_equal(docformat_kind(f), DOCFORMAT_TEXT);
	docformat_free(f);
	f = fmt_ok((const char *const[]){"select", "$.a[*]", NULL});
	assert_int_equal(docformat_kind(f), DOCFORMAT_JSON);
	docformat_free(f);
	docformat_free(NULL);
	f = fmt_ok((const char *const[]){"format", "allowsync", NULL});
	assert_int_equal(docformat_kind(f), DOCFORMAT_ALLOWSYNC);
	docformat_free(f);
	fmt_bad((const char *const[]){"format", "xml", NULL}, 10,
		"format = xml: not text, json or allowsync");
	fmt_bad((const char *const[]){"format", "allowsync", "select", "$.a", NULL}, 11,
		"select needs format = json");
	fmt_bad((const char *const[]){"format", "text", "select", "$.a", NULL}, 11,
		"select needs format = json");
	fmt_bad((const char *const[]){"format", "json", NULL}, 10, "needs at least one select");
	/* The line of the offending select when it is repeated. */
	fmt_bad((const char *const[]){"format", "json", "select", "$.a[*]", "select", "$.b[", NULL},
		12, "select = $.b[: at character 5");
	fmt_bad((const char *const[]){"sha256", "abc", NULL}, 10, "not 64 hex digits");
	fmt_bad((const char *const[]){"sha256",
				      "zz5989c97797af5fec2e4ebc76b27e7148787b8ad044b1ef21af279360d9d0a7",
				      NULL},
		10, "not 64 hex digits");
}

static void
test_fingerprint(void **state)
{
	struct docformat *a = fmt_ok((const char *const[]){"select", "$.a[*]", NULL});
	struct docformat *b = fmt_ok((const char *const[]){"select", "$.a[*]", NULL});
	struct docformat *c = fmt_ok((const char *const[]){"select", "$.b[*]", NULL});
	struct docformat *d =
		fmt_ok((const char *const[]){"select", "$.a[*]", "select", "$.b[*]", NULL});
	struct docformat *t = fmt_ok((const char *const[]){NULL});
	struct docformat *p = fmt_ok((const char *const[]){"format", "allowsync", NULL});
	struct docformat *q =
		fmt_ok((const char *const[]){"format", "allowsync", "tags", "a b", NULL});

	(void)state;
	/* The values caches were made with: a new build must not refetch
	 * or re-parse what an older one stored. */
	assert_true(docformat_fingerprint(t) == 0x6bacb048789c961aULL);
	assert_true(docformat_fingerprint(a) == 0x0137ecf72e9c5482ULL);
	assert_true(docformat_fingerprint(p) == 0x0d5a2558d86a2c00ULL);
	assert_true(docformat_fingerprint(q) == 0x07be7a2c53ea54a3ULL);
	assert_true(docformat_fingerprint(a) == docformat_fingerprint(b));
	assert_true(docformat_fingerprint(a) != docformat_fingerprint(c));
	assert_true(docformat_fingerprint(a) != docformat_fingerprint(d));
	assert_true(docformat_fingerprint(a) != docformat_fingerprint(t));
	docformat_free(a);
	docformat_free(b);
	docformat_free(c);
	docformat_free(d);
	docformat_free(t);
	docformat_free(p);
	docformat_free(q);
}

static int
parse(const struct docformat *f, const char *text, bool allow_empty, struct pset **out,
      struct err *err)
{
	*out = pset_new();
	memset(err, 0, sizeof *err);
	return docformat_parse(f, "t", text, strlen(text), allow_empty, *out, err);
}

static void
test_parse_buffers(void **state)
{
	struct docformat *text = fmt_ok((const char *const[]){NULL});
	struct docformat *json = fmt_ok((const char *const[]){"select", "$.v[*]", NULL});
	struct err err;
	struct pset *s;

	(void)state;
	assert_int_equal(parse(text, "192.0.2.0/24\n198.51.100.1\n", false, &s, &err), 0);
	assert_int_equal(pset_total(s), 2);
	pset_free(s);
	assert_int_equal(parse(json, "{\"v\":[\"192.0.2.0/24\"]}", false, &s, &err), 0);
	assert_int_equal(pset_total(s), 1);
	pset_free(s);
	/* HTML whatever the format. */
	assert_int_equal(parse(text, "\n  <!DOCTYPE html><p>1.2.3.4</p>", false, &s, &err), -1);
	assert_non_null(strstr(err.msg, "HTML page, not a list"));
	pset_free(s);
	assert_int_equal(parse(json, "<html>", false, &s, &err), -1);
	assert_non_null(strstr(err.msg, "HTML page, not a JSON document"));
	pset_free(s);
	/* A text list handed to a JSON source: "192.0" reads as a number. */
	assert_int_equal(parse(json, "192.0.2.0/24\n", false, &s, &err), -1);
	assert_non_null(strstr(err.msg, "trailing data"));
	pset_free(s);
	assert_int_equal(parse(json, "# relays\n192.0.2.0/24\n", false, &s, &err), -1);
	assert_non_null(strstr(err.msg, "not valid JSON"));
	pset_free(s);
	/* allow_empty reaches the selectors. */
	assert_int_equal(parse(json, "{\"v\":[]}", false, &s, &err), -1);
	pset_free(s);
	assert_int_equal(parse(json, "{\"v\":[]}", true, &s, &err), 0);
	pset_free(s);
	docformat_free(text);
	docformat_free(json);
}

static void
test_pin(void **state)
{
	/* sha256 of the Cloudflare IPv6 fixture (fixtures README). */
	static const char sum[] = "d5989c97797af5fec2e4ebc76b27e7148787b8ad044b1ef21af279360d9d0a77";
	static const char SUM[] = "D5989C97797AF5FEC2E4EBC76B27E7148787B8AD044B1EF21AF279360D9D0A77";
	struct docformat *f = fmt_ok((const char *const[]){"sha256", sum, NULL});
	struct docformat *g = fmt_ok((const char *const[]){"sha256", SUM, NULL});
	struct pset *s = pset_new();
	struct err err = {0};

	(void)state;
	assert_int_equal(docformat_parse_file(f, test_fixture("feeds/cloudflare-ips-v6.txt"), 1 << 20,
					      false, s, &err),
			 0);
	assert_int_equal(pset_count(s, PFX_V6), 7);
	pset_clear(s);
	assert_int_equal(docformat_parse_file(g, test_fixture("feeds/cloudflare-ips-v6.txt"), 1 << 20,
					      false, s, &err),
			 0);
	pset_clear(s);
	assert_int_equal(docformat_parse_file(f, test_fixture("feeds/cloudflare-ips-v4.txt"), 1 << 20,
					      false, s, &err),
			 -1);
	assert_non_null(strstr(err.msg, "does not match the pinned sha256"));
	/* It names the digest it got (sha256sum of the IPv4 fixture). */
	assert_non_null(
	    strstr(err.msg, "f02c6d83bc01ab0ae8577160e036d700c7455359bce054df884e5d7d9e4e9e7b"));
	assert_int_equal(pset_total(s), 0);
	pset_free(s);
	docformat_free(f);
	docformat_free(g);
}

static void
test_files(void **state)
{
	struct docformat *text = fmt_ok((const char *const[]){NULL});
	struct docformat *azure = fmt_ok((const char *const[]){
		"format", "json", "select",
		"$.values[?@.properties.systemService=='AzureFrontDoor'].properties.addressPrefixes[*]",
		NULL});
	struct pset *s = pset_new();
	struct err err = {0};

	(void)state;
	assert_int_equal(docformat_parse_file(text, test_fixture("feeds/cloudflare-ips-v4.txt"), 100,
					      false, s, &err),
			 0); /* streamed: max_body does not apply to plain text */
	assert_int_equal(pset_count(s, PFX_V4) > 0, 1);
	pset_clear(s);
	assert_int_equal(docformat_parse_file(azure, test_fixture("feeds/azure-service-tags.json"),
					      16 << 20, false, s, &err),
			 0);
	assert_true(pset_total(s) > 0);
	pset_clear(s);
	assert_int_equal(docformat_parse_file(azure, test_fixture("feeds/azure-service-tags.json"),
					      1 << 20, false, s, &err),
			 -1);
	assert_non_null(strstr(err.msg, "larger than max_body"));
	assert_int_equal(docformat_parse_file(azure, "/nonexistent/x.json", 1 << 20, false, s, &err),
			 -1);
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(docformat_parse_file(azure, "/", 1 << 20, false, s, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	assert_int_equal(docformat_parse_file(azure, test_fixture("bad/oracle-html-error.json"), 1 << 20,
					      false, s, &err),
			 -1);
	assert_non_null(strstr(err.msg, "HTML"));
	pset_free(s);
	docformat_free(text);
	docformat_free(azure);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_parse_buffers),
		cmocka_unit_test(test_pin),
		cmocka_unit_test(test_files),
	};
	return cmocka_run_group_tests_name("docformat", tests, NULL, NULL);
}
