/* Unit tests: src_file — its keys through the configuration loader
 * (FILE:LINE refusals), and collect() on the repository's real
 * fixtures: published lists (the last line without a newline), published
 * JSON documents with selectors, and HTML pages saved in place of a list,
 * which are refused whatever they contain; then a missing file, a bad
 * line, the sha256 pin and max_body.  Each failure is one line naming
 * the path (and line). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testfiles.h"
#include "testconf.h"
#include "testsets.h"

#include "conf.h"
#include "src_file.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CF_V4_SHA256 "f02c6d83bc01ab0ae8577160e036d700c7455359bce054df884e5d7d9e4e9e7b"
#define CF_V4                                                                             \
	"103.21.244.0/22\n103.22.200.0/22\n103.31.4.0/22\n104.16.0.0/13\n104.24.0.0/14\n"   \
	"108.162.192.0/18\n131.0.72.0/22\n141.101.64.0/18\n162.158.0.0/15\n172.64.0.0/13\n" \
	"173.245.48.0/20\n188.114.96.0/20\n190.93.240.0/20\n197.234.240.0/22\n"             \
	"198.41.128.0/17\n"
#define CF_V6                                                                   \
	"2400:cb00::/32\n2405:8100::/32\n2405:b500::/32\n2606:4700::/32\n"        \
	"2803:f800::/32\n2a06:98c0::/29\n2c0f:f248::/32\n"

/* The absolute path of a fixture (a file source takes no other). */
static const char *
fixture(const char *rel)
{
	static char path[PATH_MAX];

	if (!realpath(test_fixture(rel), path))
		fail_msg("fixture %s: %s", test_fixture(rel), strerror(errno));
	return path;
}

static char *
scratch(const char *name, const char *text)
{
	static char path[600];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
	return path;
}

/* [global] takes lines 1-2, so a source section given as `text` starts
 * at line 3. */
static const char *
write_conf(const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/a.conf", test_dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "[global]\nstate_dir = %s/state\n%s\n[output o]\ntype = text\npath = %s/o.txt\n",
		test_dir, text, test_dir);
	fclose(f);
	return path;
}

static struct conf *
load(const char *text)
{
	struct conf *c = NULL;
	struct err err;

	if (conf_load(write_conf(text), CONF_LOAD_NO_OWNER_CHECK, &c, &err) != 0)
		fail_msg("refused: %s", err.msg);
	assert_int_equal(c->n_sources, 1);
	assert_ptr_equal(c->sources[0]->type, &src_file);
	return c;
}

/* [source f] of type file for `path`, with `extra` lines. */
static struct conf *
load_file(const char *path, const char *extra)
{
	char text[PATH_MAX + 1024];

	snprintf(text, sizeof text, "[source f]\ntype = file\npath = %s\n%s", path, extra);
	return load(text);
}

static void
refused(const char *text, unsigned line, const char *reason)
{
	struct conf *c = NULL;
	struct err err;

	if (conf_load(write_conf(text), CONF_LOAD_NO_OWNER_CHECK, &c, &err) == 0) {
		conf_free(c);
		fail_msg("accepted, expected \"%s\"", reason);
	}
	if (strcmp(conf_reason(&err), reason) != 0 || err.line != line)
		fail_msg("got \"%s\", expected line %u: %s", err.msg, line, reason);
}

/* collect() with a state directory that does not exist: a file source
 * keeps nothing there. */
static int
collect(const struct conf *c, struct source_result *res, struct err *err)
{
	char dir[600];
	struct source_ctx ctx = {.state_dir = dir, .now = 1764280000};
	struct source *s = c->sources[0];
	struct stat sb;
	int rc;

	snprintf(dir, sizeof dir, "%s/no-state", test_dir);
	memset(res, 0, sizeof *res);
	res->set = pset_new();
	assert_non_null(res->set);
	err_clear(err);
	rc = s->type->collect(s, &ctx, res, err);
	assert_int_equal(stat(dir, &sb), -1);
	assert_false(res->not_modified);
	assert_false(res->partial);
	assert_int_equal(res->retry_after, 0);
	return rc;
}

static int
cidr_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_ADDR_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	fprintf(ctx, "%s\n", buf);
	return 0;
}

/* What a set grants, as CIDR lines (IPv4 first); malloc'd. */
static char *
set_text(const struct pset *set)
{
	struct pset *m = pset_dup(set);
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(m);
	assert_non_null(f);
	assert_int_equal(pset_merge(m), 0);
	pset_each_cidr(m, PFX_V4, cidr_line, f);
	pset_each_cidr(m, PFX_V6, cidr_line, f);
	fclose(f);
	pset_free(m);
	return text;
}

/* collect() succeeds on `path` and grants exactly `want`. */
static void
collect_ok(const struct conf *c, const char *path, const char *want)
{
	struct source_result res;
	struct err err;
	char origin[PATH_MAX + 8], *got;

	if (collect(c, &res, &err) != 0)
		fail_msg("collect failed: %s", err.msg);
	snprintf(origin, sizeof origin, "file %s", path);
	assert_string_equal(res.origin, origin);
	assert_string_equal(err.msg, "");
	got = set_text(res.set);
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "got:\n%swanted:\n%s", got, want);
		free(got);
		fail_msg("%s: not the expected set", path);
	}
	free(got);
	pset_free(res.set);
}

/* collect() fails with exactly "PATH`sep``cause`". */
static void
collect_fails(const struct conf *c, const char *path, const char *sep, const char *cause)
{
	struct source_result res;
	struct err err;
	char want[PATH_MAX + 512];

	snprintf(want, sizeof want, "%s%s%s", path, sep, cause);
	assert_int_equal(collect(c, &res, &err), -1);
	assert_string_equal(err.msg, want);
	pset_free(res.set);
}

static void
test_configure(void **state)
{
	char text[PATH_MAX + 256], want[256];

	(void)state;
	/* Document keys and [global] limits overridden. */
	struct conf *c = load_file("/etc/allowsync/extra.json",
				   "format = json\nselect = $.prefixes[*]\nsha256 = " CF_V4_SHA256
				   "\nmax_body = 1M\nmin_prefix4 = 16\nallow_empty = yes\n");
	assert_int_equal(c->sources[0]->limits.max_body, 1u << 20);
	assert_int_equal(c->sources[0]->limits.min_prefix4, 16);
	assert_true(c->sources[0]->limits.allow_empty);
	conf_free(c);
	c = load_file("/etc/allowsync/extra.txt", "");
	assert_int_equal(c->sources[0]->limits.max_body, 16u << 20);
	conf_free(c);

	refused("[source f]\ntype = file\npath = extra.txt\n", 5,
		"[source f] path = extra.txt: not an absolute path");
	refused("[source f]\ntype = file\npath =\n", 5, "[source f] path = : not an absolute path");
	refused("[source f]\ntype = file\n", 3, "[source f]: missing required key \"path\"");
	refused("[source f]\ntype = file\npath = /x.txt\nformat = csv\n", 6,
		"[source f] format = csv: not text, json or allowsync");
	refused("[source f]\ntype = file\npath = /x.json\nformat = json\n", 6,
		"[source f] format = json needs at least one select = JSONPATH");
	refused("[source f]\ntype = file\npath = /x.txt\nformat = text\nselect = $.a\n", 7,
		"[source f] select needs format = json");
	refused("[source f]\ntype = file\npath = /x.txt\nsha256 = f02c6d83\n", 6,
		"[source f] sha256 = f02c6d83: not 64 hex digits");
	/* 64 characters, one of them not hex. */
	snprintf(text, sizeof text, "[source f]\ntype = file\npath = /x.txt\nsha256 = %.63sg\n",
		 CF_V4_SHA256);
	snprintf(want, sizeof want, "[source f] sha256 = %.63sg: not 64 hex digits", CF_V4_SHA256);
	refused(text, 6, want);
	/* The keys of other source types are not file's. */
	refused("[source f]\ntype = file\npath = /x.txt\nurl = https://a.example/x\n", 6,
		"unknown key \"url\" in [source f]");
	refused("[source f]\ntype = file\npath = /x.txt\nrefresh = 1h\n", 6,
		"unknown key \"refresh\" in [source f]");
	refused("[source f]\ntype = file\npath = /x.txt\npubkey = RWQ\n", 6,
		"unknown key \"pubkey\" in [source f]");
	refused("[source f]\ntype = file\npath = /x.txt\npath = /y.txt\n", 6,
		"\"path\" given twice in [source f] (first at line 5)");
}

/* Cloudflare's published lists, the IPv4 one without a final newline. */
static void
test_published_lists(void **state)
{
	struct conf *c;
	struct source_result res;
	struct err err;

	(void)state;
	c = load_file(fixture("feeds/cloudflare-ips-v4.txt"), "");
	collect_ok(c, fixture("feeds/cloudflare-ips-v4.txt"), CF_V4);
	/* Fifteen lines, fifteen entries: the unterminated last one too. */
	assert_int_equal(collect(c, &res, &err), 0);
	assert_int_equal(pset_count(res.set, PFX_V4), 15);
	assert_int_equal(pset_count(res.set, PFX_V6), 0);
	pset_free(res.set);
	conf_free(c);
	c = load_file(fixture("feeds/cloudflare-ips-v6.txt"), "");
	collect_ok(c, fixture("feeds/cloudflare-ips-v6.txt"), CF_V6);
	conf_free(c);
	/* Read whole under a pin (the sha256 ORIGIN.md records): the same. */
	c = load_file(fixture("feeds/cloudflare-ips-v4.txt"), "sha256 = " CF_V4_SHA256 "\n");
	collect_ok(c, fixture("feeds/cloudflare-ips-v4.txt"), CF_V4);
	conf_free(c);
}

/* Real JSON documents through selectors, filters included. */
static void
test_published_json(void **state)
{
	struct conf *c;
	struct source_result res;
	struct err err;

	(void)state;
	c = load_file(fixture("feeds/google-goog.json"),
		      "select = $.prefixes[*].ipv4Prefix\nselect = $.prefixes[*].ipv6Prefix\n");
	assert_int_equal(collect(c, &res, &err), 0);
	assert_string_equal(err.msg, "");
	assert_int_equal(pset_count(res.set, PFX_V4), 73);
	assert_int_equal(pset_count(res.set, PFX_V6), 11);
	pset_free(res.set);
	conf_free(c);
	/* One service in one region of AWS's ip-ranges.json: 54 entries,
	 * 42 CIDRs and 5402144 addresses once merged (counted with Python's
	 * ipaddress.collapse_addresses). */
	c = load_file(fixture("feeds/aws-ip-ranges.json"),
		      "select = $.prefixes[?@.service=='EC2' && @.region=='eu-west-1'].ip_prefix\n");
	assert_int_equal(collect(c, &res, &err), 0);
	assert_int_equal(pset_count(res.set, PFX_V4), 54);
	assert_int_equal(pset_merge(res.set), 0);
	assert_int_equal(pset_cidr_count(res.set, PFX_V4), 42);
	assert_true(pset_addr_count(res.set, PFX_V4) == 5402144);
	assert_int_equal(pset_count(res.set, PFX_V6), 0);
	pset_free(res.set);
	conf_free(c);
}

/* HTML saved in place of a list is refused as such: nothing from it is
 * taken, not even the address the "blocked" page shows. */
static void
test_html_in_place(void **state)
{
	static const char *const pages[] = {
		"bad/cloudflare-js-challenge.txt",
		"bad/cloudflare-404.html.txt",
		"bad/cloudflare-blocked-sorted.txt",
	};
	struct conf *c;
	struct source_result res;
	struct err err;
	char extra[128];

	(void)state;
	for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++) {
		c = load_file(fixture(pages[i]), "");
		collect_fails(c, fixture(pages[i]), ": ", "looks like an HTML page, not a list");
		conf_free(c);
	}
	c = load_file(fixture("bad/cloudflare-blocked-sorted.txt"), "");
	assert_int_equal(collect(c, &res, &err), -1);
	assert_int_equal(pset_total(res.set), 0);
	pset_free(res.set);
	conf_free(c);
	/* A pin on the page's exact bytes does not make it a list. */
	snprintf(extra, sizeof extra, "sha256 = %s\n",
		 "2c4e84a0c75c6e3492518db4fae84058242bdee4d181526d0c705af5dd9ff2d4");
	c = load_file(fixture("bad/cloudflare-blocked-sorted.txt"), extra);
	collect_fails(c, fixture("bad/cloudflare-blocked-sorted.txt"), ": ",
		      "looks like an HTML page, not a list");
	conf_free(c);
	/* An HTML error page saved as .json. */
	c = load_file(fixture("bad/oracle-html-error.json"), "select = $.prefixes[*].ip_prefix\n");
	collect_fails(c, fixture("bad/oracle-html-error.json"), ": ",
		      "looks like an HTML page, not a JSON document");
	conf_free(c);
}

/* No file, a directory, a bad line: one line naming path and cause. */
static void
test_unreadable(void **state)
{
	char path[600];
	struct conf *c;

	(void)state;
	snprintf(path, sizeof path, "%s/absent.txt", test_dir);
	c = load_file(path, "");
	collect_fails(c, path, ": ", "No such file or directory");
	conf_free(c);
	c = load_file(path, "select = $.x[*]\n");
	collect_fails(c, path, ": ", "No such file or directory");
	conf_free(c);
	c = load_file(test_dir, "");
	collect_fails(c, test_dir, ": ", "Is a directory");
	conf_free(c);
	c = load_file(test_dir, "select = $.x[*]\n");
	collect_fails(c, test_dir, ": ", "not a regular file");
	conf_free(c);

	const char *bad = scratch("bad.txt", "192.0.2.0/24\n# the next one is wrong\n192.0.2.0/33\n");
	snprintf(path, sizeof path, "%s", bad);
	c = load_file(path, "");
	collect_fails(c, path, ":3: ", "prefix length out of range in \"192.0.2.0/33\"");
	conf_free(c);
}

/* The pin: the exact bytes or nothing.  max_body bounds what is read
 * whole (JSON, pinned text); a plain list is streamed. */
static void
test_pin_and_size(void **state)
{
	const char *list = fixture("feeds/cloudflare-ips-v4.txt");
	char lpath[PATH_MAX], jpath[PATH_MAX];
	struct conf *c;
	struct source_result res;
	struct err err;

	(void)state;
	snprintf(lpath, sizeof lpath, "%s", list);
	snprintf(jpath, sizeof jpath, "%s", fixture("feeds/google-goog.json"));
	c = load_file(lpath, "sha256 = " CF_V4_SHA256 "\n");
	collect_ok(c, lpath, CF_V4);
	conf_free(c);
	c = load_file(lpath, "sha256 = 0000000000000000000000000000000000000000000000000000000000000000\n");
	collect_fails(c, lpath, ": ", "sha256 " CF_V4_SHA256 " does not match the pinned sha256");
	conf_free(c);
	/* goog.json is 3610 bytes, the v4 list 230. */
	c = load_file(jpath, "select = $.prefixes[*].ipv4Prefix\nmax_body = 3609\n");
	collect_fails(c, jpath, ": ", "larger than max_body (3609 bytes)");
	conf_free(c);
	c = load_file(jpath, "select = $.prefixes[*].ipv4Prefix\nmax_body = 3610\n");
	assert_int_equal(collect(c, &res, &err), 0);
	assert_int_equal(pset_count(res.set, PFX_V4), 73);
	pset_free(res.set);
	conf_free(c);
	c = load_file(lpath, "sha256 = " CF_V4_SHA256 "\nmax_body = 229\n");
	collect_fails(c, lpath, ": ", "larger than max_body (229 bytes)");
	conf_free(c);
	c = load_file(lpath, "max_body = 229\n");
	collect_ok(c, lpath, CF_V4);
	conf_free(c);
}

/* Read on every collect, never cached: an edit shows at once; an empty
 * file is an empty list (the policy decides whether that may pass). */
static void
test_reread(void **state)
{
	char path[600];
	struct conf *c;

	(void)state;
	snprintf(path, sizeof path, "%s", scratch("extra.txt", "198.51.100.7\n198.51.100.8/31\n"));
	c = load_file(path, "");
	collect_ok(c, path, "198.51.100.7/32\n198.51.100.8/31\n");
	scratch("extra.txt", "\xEF\xBB\xBF# dedicated\r\n203.0.113.0/25\r\n203.0.113.128/25\r\n");
	collect_ok(c, path, "203.0.113.0/24\n");
	scratch("extra.txt", "");
	collect_ok(c, path, "");
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configure),     cmocka_unit_test(test_published_lists),
		cmocka_unit_test(test_published_json), cmocka_unit_test(test_html_in_place),
		cmocka_unit_test(test_unreadable),    cmocka_unit_test(test_pin_and_size),
		cmocka_unit_test(test_reread),
	};
	return cmocka_run_group_tests_name("src_file", tests, test_dir_setup, test_dir_teardown);
}
