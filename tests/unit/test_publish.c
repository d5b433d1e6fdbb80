/* Unit tests for publish: [publish] checks, serial rules, unchanged files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "publish.h"
#include "sigcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define ZLIB_CONST
#include <zlib.h>

static struct pubdoc_inv *
inv_of(const char *list)
{
	struct pset *s = pset_new();
	char *copy = strdup(list);
	for (char *t = strtok(copy, " "); t; t = strtok(NULL, " ")) {
		struct pfx x;
		struct err why;
		assert_true(pfx_parse(t, strlen(t), &x, &why));
		assert_int_equal(pset_add_pfx(s, &x), 0);
	}
	free(copy);
	assert_int_equal(pset_merge(s), 0);
	struct pubdoc_input in = {s, NULL, 0};
	struct err why;
	struct pubdoc_inv *inv = pubdoc_inv_new(&in, 1, &why);
	assert_non_null(inv);
	pset_free(s);
	return inv;
}

static size_t
n_changed(const struct publish_plan *p)
{
	size_t n = 0;
	for (int i = 0; i < PUBLISH_NFILES; i++)
		n += p->f[i].path && p->f[i].changed;
	return n;
}

static void
test_serial_rules(void **state)
{
	(void)state;
	struct publish_conf pc = {.dir = test_dir, .name = "relay", .valid_for = 7 * 86400,
				  .spf_domain = "spf.example.com", .spf_ttl = 300};
	struct publish_plan p;
	struct minisign_pk pk;
	struct minisign_sk sk;
	struct err err;
	const time_t t0 = 1800000000;
	struct pubdoc_inv *a = inv_of("192.0.2.0/24 2001:db8::/32");
	struct pubdoc_inv *b = inv_of("192.0.2.0/24 198.51.100.1 2001:db8::/32");

	assert_int_equal(minisign_generate(&pk, &sk), 0);

	/* First publication: every file, serial = now. */
	assert_int_equal(publish_plan(&pc, a, &sk, t0, &p, &err), 0);
	assert_true(p.new_serial);
	assert_int_equal(p.old_serial, 0);
	assert_int_equal(p.meta.serial, t0);
	assert_int_equal(p.meta.expires, t0 + 7 * 86400);
	assert_int_equal(n_changed(&p), 5);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	/* The signature verifies and carries serial and expiry. */
	char pkb64[MINISIGN_PK_B64_MAX];
	minisign_pk_b64(&pk, pkb64);
	struct sigcheck_info info;
	assert_int_equal(sigcheck_verify(pkb64, p.f[PUBLISH_JSON].data, p.f[PUBLISH_JSON].len,
					 p.f[PUBLISH_SIG].data, p.f[PUBLISH_SIG].len, 0, t0, &info,
					 &err),
			 SIGCHECK_OK);
	assert_int_equal(info.serial, t0);
	assert_int_equal(info.expires, t0 + 7 * 86400);
	publish_plan_free(&p);

	/* Unchanged, a day later: nothing to write, same serial. */
	assert_int_equal(publish_plan(&pc, a, &sk, t0 + 86400, &p, &err), 0);
	assert_false(p.new_serial);
	assert_int_equal(p.meta.serial, t0);
	assert_int_equal(n_changed(&p), 0);
	publish_plan_free(&p);

	/* Unsigned now: the document is unchanged; no signature planned. */
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 86400, &p, &err), 0);
	assert_false(p.new_serial);
	assert_null(p.f[PUBLISH_SIG].path);
	assert_int_equal(n_changed(&p), 0);
	publish_plan_free(&p);

	/* Unchanged but past half its validity: re-issued. */
	time_t t1 = t0 + 7 * 86400 / 2 + 1;
	assert_int_equal(publish_plan(&pc, a, &sk, t1, &p, &err), 0);
	assert_true(p.new_serial);
	assert_int_equal(p.old_serial, t0);
	assert_int_equal(p.meta.serial, t1);
	assert_true(p.f[PUBLISH_JSON].changed && p.f[PUBLISH_SIG].changed);
	/* The lists and the zone do not depend on the serial. */
	assert_false(p.f[PUBLISH_V4].changed || p.f[PUBLISH_V6].changed ||
		     p.f[PUBLISH_SPF].changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);

	/* Changed inventory with the clock behind the serial: still grows. */
	assert_int_equal(publish_plan(&pc, b, &sk, t0 - 5000, &p, &err), 0);
	assert_true(p.new_serial);
	assert_int_equal(p.meta.serial, t1 + 1);
	assert_true(p.f[PUBLISH_V4].changed && p.f[PUBLISH_SPF].changed);
	assert_false(p.f[PUBLISH_V6].changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);

	/* A foreign NAME.json: a new serial, with a warning. */
	char path[256];
	snprintf(path, sizeof path, "%s/relay.json", test_dir);
	FILE *f = fopen(path, "w");
	fputs("{\"hello\": 1}\n", f);
	fclose(f);
	assert_int_equal(publish_plan(&pc, b, NULL, t0 + 10, &p, &err), 0);
	assert_true(p.new_serial);
	assert_int_equal(p.meta.serial, t0 + 10);
	publish_plan_free(&p);

	/* SPF that does not fit is an error naming the room. */
	struct pset *big = pset_new();
	for (unsigned i = 0; i < 2000; i++)
		assert_int_equal(pset_add_range(big, PFX_V4, 0xc0000000u + 2 * i, 0xc0000000u + 2 * i), 0);
	assert_int_equal(pset_merge(big), 0);
	struct pubdoc_input in = {big, NULL, 0};
	struct err why;
	struct pubdoc_inv *c = pubdoc_inv_new(&in, 1, &why);
	assert_int_equal(publish_plan(&pc, c, NULL, t0, &p, &err), -1);
	assert_non_null(strstr(err.msg, "do not fit"));
	pubdoc_inv_free(c);
	pset_free(big);

	/* A missing directory. */
	pc.dir = "/nonexistent/dir";
	assert_int_equal(publish_plan(&pc, a, NULL, t0, &p, &err), -1);
	assert_non_null(strstr(err.msg, "/nonexistent/dir"));

	minisign_sk_wipe(&sk);
	pubdoc_inv_free(a);
	pubdoc_inv_free(b);
}

static int
load(const char *body, struct conf **c, struct publish_conf *pc, struct err *err)
{
	const char *path =
	    test_conf_write("a.conf",
			    "[global]\nstate_dir = %s/state\n\n[source inv]\ntype = static\n"
			    "prefixes = 192.0.2.1\ntags = dedicated\n\n[source web]\ntype = url\n"
			    "url = https://example.com/x\n\n%s",
			    test_dir, body);

	*c = NULL;
	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, c, err) < 0)
		return -1;
	return publish_conf_load(*c, pc, err);
}

static void
test_conf(void **state)
{
	(void)state;
	struct conf *c;
	struct publish_conf pc;
	struct err err;

	assert_int_equal(load("[publish]\ndir = /srv\nname = relay\n", &c, &pc, &err), 0);
	/* Default sources: the static/file ones only. */
	assert_int_equal(pc.n_sources, 1);
	assert_string_equal(pc.sources[0]->name, "inv");
	assert_int_equal(pc.valid_for, 7 * 86400);
	assert_null(pc.sign_key);
	assert_true(pc.gzip);
	publish_conf_clear(&pc);
	conf_free(c);

	assert_int_equal(load("[publish]\ndir = /srv\nname = relay\nvalid_for = 2d\n"
			      "spf_domain = spf.example.com\nspf_ttl = 5m\nsources = inv\ngzip = no\n",
			      &c, &pc, &err),
			 0);
	assert_false(pc.gzip);
	assert_int_equal(pc.valid_for, 2 * 86400);
	assert_int_equal(pc.spf_ttl, 300);
	publish_conf_clear(&pc);
	conf_free(c);

	static const struct {
		const char *body, *want;
		unsigned line;
	} bad[] = {
		{"", "no [publish] section", 0},
		{"[publish]\nname = relay\n", "\"dir\" is required", 0},
		{"[publish]\ndir = /srv\nname = ../x\n", "name \"../x\"", 15},
		{"[publish]\ndir = /srv\nname = r\ncolour = red\n", "unknown key \"colour\"", 16},
		{"[publish]\ndir = /srv\nname = r\nsources = web\n", "a url source", 16},
		{"[publish]\ndir = /srv\nname = r\nsources = nope\n", "no source \"nope\"", 16},
		{"[publish]\ndir = /srv\nname = r\nsources = inv inv\n", "listed twice", 16},
		{"[publish]\ndir = /srv\nname = r\nvalid_for = 10m\n", "between 1h", 16},
		{"[publish]\ndir = /srv\nname = r\nspf_domain = a..b\n", "empty label", 16},
		{"[publish]\ndir = /srv\nname = r\nname = s\n", "more than once", 0},
		{"[publish]\ndir = /srv\nname = r\ngzip = maybe\n", "gzip = maybe", 16},
		{"[publish]\ndir = /srv\nname = r\n[publish]\ndir = /x\nname = s\n",
		 "duplicate section [publish]", 16},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int r = load(bad[i].body, &c, &pc, &err);
		assert_int_equal(r, -1);
		if (!strstr(conf_reason(&err), bad[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].want);
		if (bad[i].line)
			assert_int_equal(err.line, bad[i].line);
		/* What every command checks (run_load_conf): the same refusal,
		 * and no [publish] at all is fine there. */
		if (c) {
			struct err check;
			int want = c->publish ? -1 : 0;
			assert_int_equal(publish_conf_check(c, &check), want);
			if (want)
				assert_string_equal(check.msg, err.msg);
		}
		conf_free(c);
	}
	assert_int_equal(load("[publish]\ndir = /srv\nname = relay\n", &c, &pc, &err), 0);
	publish_conf_clear(&pc);
	assert_int_equal(publish_conf_check(c, &err), 0);
	conf_free(c);
}

/* The bytes of test_dir/NAME, malloc'd (NULL when absent). */
static char *
slurp(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *b = malloc(1 << 16);
	assert_non_null(b);
	*len = fread(b, 1, 1 << 16, f);
	fclose(f);
	return b;
}

static struct timespec
mtime_of(const char *name)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", test_dir, name);
	assert_int_equal(stat(path, &st), 0);
	return st.st_mtim;
}

/* NAME.gz inflates to NAME and carries its mtime. */
static void
assert_copy(const char *name)
{
	char gzname[256];
	size_t n, gn;
	snprintf(gzname, sizeof gzname, "%s.gz", name);
	char *plain = slurp(name, &n), *gz = slurp(gzname, &gn);
	assert_non_null(plain);
	if (!gz)
		fail_msg("%s missing", gzname);
	char out[1 << 16];
	uLongf outlen = sizeof out;
	z_stream z = {.next_in = (const Bytef *)gz, .avail_in = (uInt)gn, .next_out = (Bytef *)out,
		      .avail_out = sizeof out};
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
	assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
	outlen = z.total_out;
	inflateEnd(&z);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, plain, n);
	struct timespec a = mtime_of(name), b = mtime_of(gzname);
	assert_true(a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec);
	free(plain);
	free(gz);
}

static void
test_gzip_copies(void **state)
{
	(void)state;
	struct publish_conf pc = {.dir = test_dir, .name = "relay", .valid_for = 7 * 86400,
				  .gzip = true};
	struct publish_plan p;
	struct err err;
	const time_t t0 = 1800000000;
	struct pubdoc_inv *a = inv_of("192.0.2.0/24 2001:db8::/32");
	struct pubdoc_inv *b = inv_of("192.0.2.0/24 198.51.100.1 2001:db8::/32");
	static const char *const names[] = {"relay.json", "relay-v4.txt", "relay-v6.txt"};
	char path[512];

	assert_int_equal(publish_plan(&pc, a, NULL, t0, &p, &err), 0);
	for (int i = 0; i < 3; i++)
		assert_true(p.f[i].changed && p.f[i].gz_changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);
	for (int i = 0; i < 3; i++)
		assert_copy(names[i]);

	/* Unchanged: neither a file nor a copy is to be written. */
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 60, &p, &err), 0);
	for (int i = 0; i < PUBLISH_NFILES; i++)
		assert_false(p.f[i].changed || p.f[i].gz_changed);
	publish_plan_free(&p);

	/* A missing copy alone is written again, dated as its file. */
	snprintf(path, sizeof path, "%s/relay-v6.txt.gz", test_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 60, &p, &err), 0);
	assert_false(p.f[PUBLISH_V6].changed);
	assert_true(p.f[PUBLISH_V6].gz_changed);
	assert_false(p.f[PUBLISH_V4].gz_changed || p.f[PUBLISH_JSON].gz_changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);
	assert_copy("relay-v6.txt");

	/* A damaged copy beside an unchanged file is replaced. */
	snprintf(path, sizeof path, "%s/relay.json.gz", test_dir);
	FILE *g = fopen(path, "w");
	assert_non_null(g);
	fputs("garbage", g);
	fclose(g);
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 60, &p, &err), 0);
	assert_false(p.f[PUBLISH_JSON].changed);
	assert_true(p.f[PUBLISH_JSON].gz_changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);
	assert_copy("relay.json");

	/* Without gzip a copy goes when its file changes (it would be served
	 * in the file's place), and stays beside an unchanged file. */
	pc.gzip = false;
	assert_int_equal(publish_plan(&pc, b, NULL, t0 + 120, &p, &err), 0);
	assert_true(p.f[PUBLISH_V4].changed && p.f[PUBLISH_V4].gz_changed);
	assert_false(p.f[PUBLISH_V6].changed || p.f[PUBLISH_V6].gz_changed);
	assert_null(p.f[PUBLISH_V4].gz);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);
	size_t n;
	char *gone = slurp("relay-v4.txt.gz", &n);
	assert_null(gone);
	gone = slurp("relay.json.gz", &n);
	assert_null(gone);
	assert_copy("relay-v6.txt");

	/* A symlink in a copy's place: refused before anything is written
	 * with gzip, left alone without. */
	snprintf(path, sizeof path, "%s/relay-v4.txt.gz", test_dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	pc.gzip = true;
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 180, &p, &err), -1);
	assert_non_null(strstr(err.msg, "relay-v4.txt.gz is not a regular file"));
	pc.gzip = false;
	assert_int_equal(publish_plan(&pc, a, NULL, t0 + 180, &p, &err), 0);
	assert_true(p.f[PUBLISH_V4].changed);
	assert_false(p.f[PUBLISH_V4].gz_changed);
	assert_int_equal(publish_commit(&pc, &p, &err), 0);
	publish_plan_free(&p);
	struct stat st;
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	pubdoc_inv_free(a);
	pubdoc_inv_free(b);
}

/* A refusal for size names the key, the section, the count and the
 * limit: a publisher's inventory outgrows the default quietly. */
static void
test_max_entries_message(void **state)
{
	(void)state;
	struct conf *c;
	struct publish_conf pc;
	struct err err;
	const char *path;

	for (int own = 0; own < 2; own++) {
		path = test_conf_write("big.conf",
				       "[global]\nstate_dir = %s/state\nallow_special = yes\n%s\n"
				       "[source big]\ntype = static\n%s"
				       "prefixes = 192.0.2.1 192.0.2.3 192.0.2.5\n\n"
				       "[publish]\ndir = %s\nname = relay\n",
				       test_dir, own ? "" : "max_entries = 2",
				       own ? "max_entries = 2\n" : "", test_dir);
		assert_int_equal(conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err), 0);
		assert_int_equal(publish_conf_load(c, &pc, &err), 0);
		assert_null(publish_collect(c, &pc, 1800000000, &err));
		const char *want = own ? "source \"big\": 3 entries, more than max_entries = 2; "
					 "raise max_entries in [source big]"
				       : "source \"big\": 3 entries, more than max_entries = 2; "
					 "raise max_entries in [source big] or in [global]";
		if (own ? strcmp(err.msg, want) != 0 : !strstr(err.msg, want))
			fail_msg("\"%s\" is not \"%s\"", err.msg, want);
		publish_conf_clear(&pc);
		conf_free(c);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_serial_rules, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_conf, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_gzip_copies, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_max_entries_message, test_dir_setup,
						test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
