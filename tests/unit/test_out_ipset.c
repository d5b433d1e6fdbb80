/* Unit tests: out_ipset — the ipset output, against a fake kernel.
 *
 * The output talks to the kernel through a table of functions
 * (out_ipset.h); here the sets live in memory: their header figures
 * (the element count and a memory size that follow the elements, a hash
 * seed drawn at creation), their elements, and a log of every command
 * that changes something, one line each:
 *   CREATE NAME inet|inet6 maxelem M
 *   ADD|DEL NAME N           (N elements in one batch)
 *   SWAP A B | RENAME A B | DESTROY NAME
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testsets.h"

#include "conf.h"
#include "log.h"
#include "out_ipset.h"
#include "output.h"
#include "pset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NSETS 6
#define MAXEL 512

struct kset {
	bool present;
	char name[32];
	struct ipsetnl_info info;
	size_t n;
	struct nl_range e[MAXEL];
};

static struct {
	struct kset s[NSETS];
	uint32_t seed;
	int open_err;     /* -EPERM: open fails so */
	int opens, closes;
	char log[4096];
} K;

static struct ipsetnl *const SOCK = (struct ipsetnl *)&K;

static void
logf_(const char *fmt, ...)
{
	size_t len = strlen(K.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(K.log + len, sizeof(K.log) - len, fmt, ap);
	va_end(ap);
}

static struct kset *
find(const char *name)
{
	for (int i = 0; i < NSETS; i++)
		if (K.s[i].present && strcmp(K.s[i].name, name) == 0)
			return &K.s[i];
	return NULL;
}

/* find() that fails the test instead of returning NULL. */
static struct kset *
must(const char *name)
{
	struct kset *k = find(name);

	if (k == NULL) {
		fail_msg("no set %s", name);
		abort();
	}
	return k;
}

static void
figures(struct kset *s)
{
	s->info.elements = (uint32_t)s->n;
	s->info.memsize = 400 + 40 * (uint32_t)s->n;
}

static struct kset *
mkset(const char *name, const char *type, int fam, uint32_t maxelem)
{
	for (int i = 0; i < NSETS; i++) {
		struct kset *s = &K.s[i];

		if (s->present)
			continue;
		memset(s, 0, sizeof(*s));
		s->present = true;
		snprintf(s->name, sizeof(s->name), "%s", name);
		snprintf(s->info.type, sizeof(s->info.type), "%s", type);
		s->info.family = fam;
		s->info.maxelem = maxelem;
		s->info.hashsize = 1024;
		s->info.initval = ++K.seed * 2654435761u;
		figures(s);
		return s;
	}
	fail_msg("too many sets");
	abort();
}

static int
k_open(struct ipsetnl **out, struct err *err)
{
	if (K.open_err) {
		err_set(err, "needs CAP_NET_ADMIN (libipset: Operation not permitted)");
		return K.open_err;
	}
	K.opens++;
	*out = SOCK;
	return 0;
}

static void
k_close(struct ipsetnl *s)
{
	if (s)
		K.closes++;
}

static uint64_t
k_cookie(void)
{
	return 4026531840u;
}

static void
k_boot(char out[40])
{
	snprintf(out, 40, "6f1e7a1c-0d3b-4c2e-9a57-2b8f1d9e3c40");
}

static int
k_names(struct ipsetnl *s, char **names, struct err *err)
{
	char buf[1024] = "";

	(void)s;
	(void)err;
	for (int i = 0; i < NSETS; i++)
		if (K.s[i].present) {
			strcat(buf, K.s[i].name);
			strcat(buf, "\n");
		}
	*names = strdup(buf);
	return 0;
}

static int
k_header(struct ipsetnl *s, const char *set, struct ipsetnl_info *info, struct err *err)
{
	struct kset *k = find(set);

	(void)s;
	if (k == NULL) {
		err_set(err, "header: The set with the given name does not exist");
		return -ENOENT;
	}
	*info = k->info;
	return 0;
}

static int
k_dump(struct ipsetnl *s, const char *set, enum pfx_family fam, struct nl_ranges *out,
       struct err *err)
{
	struct kset *k = must(set);

	(void)s;
	(void)fam;
	(void)err;
	/* Newest first, as a hash would give them: out of order. */
	for (size_t i = k->n; i-- > 0;)
		assert_int_equal(nl_ranges_append(out, &k->e[i]), 0);
	return 0;
}

static int
k_create(struct ipsetnl *s, const char *set, enum pfx_family fam, uint32_t hashsize,
	 uint32_t maxelem, uint32_t flags, struct err *err)
{
	struct kset *k;

	(void)s;
	(void)flags;
	if (find(set)) {
		err_set(err, "create: Set cannot be created: set with the same name already exists");
		return -EEXIST;
	}
	k = mkset(set, "hash:net", fam, maxelem);
	k->info.hashsize = hashsize;
	logf_("CREATE %s %s maxelem %u\n", set, fam == PFX_V4 ? "inet" : "inet6", maxelem);
	return 0;
}

static int
k_destroy(struct ipsetnl *s, const char *set, struct err *err)
{
	struct kset *k = must(set);

	(void)s;
	(void)err;
	k->present = false;
	logf_("DESTROY %s\n", set);
	return 0;
}

static int
k_swap(struct ipsetnl *s, const char *a, const char *b, struct err *err)
{
	struct kset *x = must(a), *y = must(b);

	(void)s;
	(void)err;
	snprintf(x->name, sizeof(x->name), "%s", b);
	snprintf(y->name, sizeof(y->name), "%s", a);
	logf_("SWAP %s %s\n", a, b);
	return 0;
}

static int
k_rename(struct ipsetnl *s, const char *from, const char *to, struct err *err)
{
	struct kset *x = must(from);

	(void)s;
	(void)err;
	assert_null(find(to));
	snprintf(x->name, sizeof(x->name), "%s", to);
	logf_("RENAME %s %s\n", from, to);
	return 0;
}

static int
k_adt(struct ipsetnl *s, const char *set, enum pfx_family fam, bool add,
      const struct nl_range *v, size_t n, struct err *err)
{
	struct kset *k = must(set);

	(void)s;
	(void)fam;
	if (n == 0)
		return 0;
	logf_("%s %s %zu\n", add ? "ADD" : "DEL", set, n);
	for (size_t i = 0; i < n; i++) {
		size_t j;

		for (j = 0; j < k->n; j++)
			if (k->e[j].lo == v[i].lo && k->e[j].hi == v[i].hi)
				break;
		if (add && j == k->n) {
			if (k->n >= k->info.maxelem || k->n >= MAXEL) {
				err_set(err, "adding: Hash is full, cannot add more elements");
				figures(k);
				return -EINVAL;
			}
			k->e[k->n++] = v[i];
		} else if (!add && j < k->n) {
			k->e[j] = k->e[--k->n];
		}
	}
	figures(k);
	return 0;
}

static const struct out_ipset_kernel fake = {
	.open = k_open,
	.close = k_close,
	.netns_cookie = k_cookie,
	.boot_id = k_boot,
	.names = k_names,
	.header = k_header,
	.dump = k_dump,
	.create = k_create,
	.destroy = k_destroy,
	.swap = k_swap,
	.rename = k_rename,
	.adt = k_adt,
};

static void
kadd(struct kset *k, const char *cidr, bool nomatch)
{
	struct pfx p;
	struct err err;

	assert_true(pfx_parse(cidr, strlen(cidr), &p, &err));
	k->e[k->n++] = (struct nl_range){ p.r.lo, p.r.hi, p.r.hi != pfx_max(p.fam), nomatch };
	figures(k);
}

/* The set's elements as "A/L A/L ..." in address order. */
static const char *
content(const char *name)
{
	static char buf[8192];
	struct kset *k = must(name);
	struct pset *p = pset_new();
	size_t len = 0;

	if (p == NULL)
		abort();
	buf[0] = '\0';
	for (size_t i = 0; i < k->n; i++) {
		enum pfx_family fam = k->info.family == PFX_V6 ? PFX_V6 : PFX_V4;
		struct pfx_range r = { k->e[i].lo, k->e[i].hi };

		assert_int_equal(pset_add_range(p, fam, r.lo, r.hi), 0);
	}
	assert_int_equal(pset_merge(p), 0);
	for (int f = 0; f < 2; f++) {
		enum pfx_family fam = f ? PFX_V6 : PFX_V4;

		for (size_t i = 0; i < pset_count(p, fam); i++) {
			struct pfx_range r = pset_get(p, fam, i);
			char t[PFX_TEXT_MAX];

			if (pfx_range_cidr_len(fam, &r) >= 0)
				pfx_format_cidr(fam, r.lo, pfx_range_cidr_len(fam, &r), t);
			else
				pfx_format_range(fam, &r, t);
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? " " : "", t);
		}
	}
	pset_free(p);
	return buf;
}

static void
expect_log(const char *want)
{
	assert_string_equal(K.log, want);
	K.log[0] = '\0';
}

/* ---- the output --------------------------------------------------- */

static struct conf *C;
static struct output *O;
static struct output_ctx CTX;

static int
conf_try(const char *body, struct err *err)
{
	char path[600];
	FILE *f;

	conf_free(C);
	C = NULL;
	O = NULL;
	snprintf(path, sizeof(path), "%s/c.conf", test_dir);
	f = fopen(path, "w");
	if (f == NULL)
		abort();
	fprintf(f, "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
		   "[output fw]\ntype = ipset\n%s", body);
	fclose(f);
	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &C, err) != 0)
		return -1;
	O = C->outputs[0];
	assert_ptr_equal(O->type, &out_ipset);
	out_ipset_use_kernel(O, &fake);
	return 0;
}

static void
load(const char *body)
{
	struct err err;

	if (conf_try(body, &err) != 0)
		fail_msg("%s", err.msg);
}

/* live, prepare, commit as the run drives them: 0, or the stage that
 * failed (1 live, 2 prepare, 3 commit) with err. */
static int
run_once(const char *want_text, bool *changed, struct err *err)
{
	struct pset *want = test_set(want_text), *live = pset_new();
	bool ch = false;

	if (live == NULL)
		abort();
	int stage = 0;

	err_clear(err);
	if (O->type->live(O, &CTX, live, err) < 0)
		stage = 1;
	else if (O->type->prepare(O, &CTX, want, &ch, err) < 0)
		stage = 2;
	else if (O->type->commit(O, &CTX, err) < 0)
		stage = 3;
	if (changed)
		*changed = ch;
	pset_free(live);
	pset_free(want);
	return stage;
}

static bool
run_ok(const char *want_text)
{
	struct err err;
	bool changed;
	int stage = run_once(want_text, &changed, &err);

	if (stage)
		fail_msg("stage %d: %s", stage, err.msg);
	return changed;
}

static void
run_fails(const char *want_text, int stage, const char *reason)
{
	struct err err;
	int got = run_once(want_text, NULL, &err);

	assert_int_equal(got, stage);
	if (strstr(err.msg, reason) == NULL)
		fail_msg("wanted \"%s\" in: %s", reason, err.msg);
}

static char TMP4[32];

static int
setup(void **state)
{
	char path[700];

	if (test_dir_setup(state) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/outputs", test_dir);
	if (mkdir(path, 0700) != 0)
		return -1;
	memset(&K, 0, sizeof(K));
	CTX = (struct output_ctx){ .state_dir = test_dir, .now = time(NULL) };
	C = NULL;
	O = NULL;
	out_ipset_tmp_name("allow4", TMP4);
	return 0;
}

static int
teardown(void **state)
{
	bool closed;

	conf_free(C);
	C = NULL;
	O = NULL;
	closed = K.opens == K.closes;
	return test_dir_teardown(state) == 0 && closed ? 0 : -1;
}

#define TEN "198.51.100.0/28\n198.51.100.32/28\n198.51.100.64/28\n198.51.100.96/28\n" \
	    "198.51.100.128/28\n198.51.100.160/28\n198.51.100.192/28\n198.51.100.224/28\n" \
	    "203.0.113.0/28\n203.0.113.32/28\n"

/* ---- tests -------------------------------------------------------- */

/* create = yes and no set: filled as a temporary, renamed into place;
 * the next run trusts the record and sends nothing. */
static void
test_create(void **state)
{
	(void)state;
	load("set4 = allow4\ncreate = yes\n");
	assert_int_equal(strncmp(TMP4, "allowsync-", 10), 0);
	assert_int_equal(strlen(TMP4), 18);
	assert_true(run_ok("192.0.2.0/24\n198.51.100.1-198.51.100.6\n"));
	char want[256];
	snprintf(want, sizeof(want), "CREATE %s inet maxelem 65536\nADD %s 5\nRENAME %s allow4\n",
		 TMP4, TMP4, TMP4);
	expect_log(want);
	assert_string_equal(content("allow4"), "192.0.2.0/24 198.51.100.1-198.51.100.6");
	assert_false(run_ok("192.0.2.0/24\n198.51.100.1-198.51.100.6\n"));
	expect_log("");
}

static void
test_refusals(void **state)
{
	(void)state;
	load("set4 = allow4\n");
	run_fails("192.0.2.0/24\n", 1,
		  "set allow4 not found (ipset create allow4 hash:net family inet, or create = yes)");
	mkset("allow4", "hash:ip", PFX_V4, 65536);
	run_fails("192.0.2.0/24\n", 1, "set allow4 is hash:ip, not hash:net: it cannot hold networks");
	must("allow4")->present = false;
	mkset("allow4", "hash:net", PFX_V6, 65536);
	run_fails("192.0.2.0/24\n", 1, "set allow4 has family inet6, set4 needs family inet");
	must("allow4")->present = false;
	mkset("allow4", "hash:net", PFX_V4, 65536)->info.timeout = true;
	run_fails("192.0.2.0/24\n", 1, "set allow4 has a default timeout");
	must("allow4")->present = false;
	mkset("allow4", "hash:net", PFX_V4, 4);
	run_fails("192.0.2.1\n192.0.2.3\n192.0.2.5\n192.0.2.7\n192.0.2.9\n", 2,
		  "set allow4: maxelem 4 is too small for 5 networks");
	kadd(find("allow4"), "192.0.2.1/32", false);
	run_fails("", 2, "set allow4: refusing to empty it");
	expect_log("");
	K.open_err = -EPERM;
	load("set4 = allow4\n");
	run_fails("192.0.2.0/24\n", 1, "needs CAP_NET_ADMIN");
}

/* A small change: one batch of additions, then one of deletions. */
static void
test_small_delta(void **state)
{
	struct kset *k;

	(void)state;
	load("set4 = allow4\n");
	k = mkset("allow4", "hash:net", PFX_V4, 65536);
	const char *ten[] = { "198.51.100.0/28", "198.51.100.32/28", "198.51.100.64/28",
			      "198.51.100.96/28", "198.51.100.128/28", "198.51.100.160/28",
			      "198.51.100.192/28", "198.51.100.224/28", "203.0.113.0/28",
			      "203.0.113.32/28" };
	for (int i = 0; i < 10; i++)
		kadd(k, ten[i], false);
	/* One /28 becomes a /27: its /28 goes, the /27 comes. */
	assert_true(run_ok("198.51.100.0/28\n198.51.100.32/28\n198.51.100.64/28\n198.51.100.96/28\n"
			   "198.51.100.128/28\n198.51.100.160/28\n198.51.100.192/28\n198.51.100.224/28\n"
			   "203.0.113.0/28\n203.0.113.64/27\n"));
	expect_log("ADD allow4 1\nDEL allow4 1\n");
	assert_int_equal(k->n, 10);
}

/* Most of it changes: a temporary set, swapped in, destroyed. */
static void
test_swap(void **state)
{
	char want[256];
	struct kset *k;

	(void)state;
	load("set4 = allow4\n");
	k = mkset("allow4", "hash:net", PFX_V4, 65536);
	kadd(k, "192.0.2.0/24", false);
	assert_true(run_ok("198.51.100.0/24\n203.0.113.0/24\n"));
	snprintf(want, sizeof(want), "CREATE %s inet maxelem 65536\nADD %s 2\nSWAP %s allow4\nDESTROY %s\n",
		 TMP4, TMP4, TMP4, TMP4);
	expect_log(want);
	assert_string_equal(content("allow4"), "198.51.100.0/24 203.0.113.0/24");
	assert_null(find(TMP4));
}

/* Drift undone: an element added by hand moves the count, the run
 * dumps and deletes it; a nomatch exception goes too. */
static void
test_drift(void **state)
{
	struct kset *k;

	(void)state;
	load("set4 = allow4\n");
	k = mkset("allow4", "hash:net", PFX_V4, 65536);
	assert_true(run_ok(TEN));
	K.log[0] = '\0';
	k = must("allow4");  /* the swap moved it */
	kadd(k, "10.0.0.0/8", false);
	kadd(k, "198.51.100.0/29", true);
	assert_true(run_ok(TEN));
	expect_log("DEL allow4 2\n");
	assert_string_equal(content("allow4"), "198.51.100.0/28 198.51.100.32/28 198.51.100.64/28 "
					       "198.51.100.96/28 198.51.100.128/28 198.51.100.160/28 "
					       "198.51.100.192/28 198.51.100.224/28 203.0.113.0/28 "
					       "203.0.113.32/28");
	/* A flush empties it: everything comes back, through a swap. */
	k = must("allow4");
	k->n = 0;
	figures(k);
	assert_true(run_ok(TEN));
	assert_int_equal(must("allow4")->n, 10);
}

/* A temporary left by a killed run is destroyed by the next one, even
 * when nothing else changes. */
static void
test_stray_tmp(void **state)
{
	char want[128];

	(void)state;
	load("set4 = allow4\n");
	kadd(mkset("allow4", "hash:net", PFX_V4, 65536), "192.0.2.0/24", false);
	kadd(mkset(TMP4, "hash:net", PFX_V4, 65536), "192.0.2.0/25", false);
	assert_false(run_ok("192.0.2.0/24\n"));
	snprintf(want, sizeof(want), "DESTROY %s\n", TMP4);
	expect_log(want);
}

/* maxelem too small with create = yes: a bigger set of ours is swapped in. */
static void
test_grow(void **state)
{
	char want[256];

	(void)state;
	load("set4 = allow4\ncreate = yes\n");
	mkset("allow4", "hash:net", PFX_V4, 2);
	assert_true(run_ok("192.0.2.1\n192.0.2.3\n192.0.2.5\n"));
	snprintf(want, sizeof(want), "CREATE %s inet maxelem 65536\nADD %s 3\nSWAP %s allow4\nDESTROY %s\n",
		 TMP4, TMP4, TMP4, TMP4);
	expect_log(want);
	assert_int_equal(must("allow4")->info.maxelem, 65536);
}

/* verify = 0: every run dumps, so drift that keeps the figures is
 * undone too. */
static void
test_verify_always(void **state)
{
	struct kset *k;

	(void)state;
	load("set4 = allow4\nverify = 0\n");
	k = mkset("allow4", "hash:net", PFX_V4, 65536);
	assert_true(run_ok(TEN));
	K.log[0] = '\0';
	k = must("allow4");  /* the swap moved it */
	/* Swap one element for another: count and size unchanged. */
	k->e[0] = (struct nl_range){ 0x0a000000, 0x0a0000ff, true, false };
	assert_true(run_ok(TEN));
	expect_log("ADD allow4 1\nDEL allow4 1\n");
}

static void
test_render(void **state)
{
	struct pset *want = test_set("192.0.2.0/24\n198.51.100.1-198.51.100.2\n2001:db8::/32\n");
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	load("set4 = allow4\nset6 = allow6\n");
	assert_string_equal(O->target, "ipset allow4 allow6");
	m = open_memstream(&text, &len);
	if (m == NULL)
		abort();
	assert_int_equal(O->type->render(O, want, m), 0);
	fclose(m);
	assert_string_equal(text, "add allow4 192.0.2.0/24\n"
				  "add allow4 198.51.100.1/32\n"
				  "add allow4 198.51.100.2/32\n"
				  "add allow6 2001:db8::/32\n");
	free(text);
	pset_free(want);
	assert_int_equal(K.opens, 0);
}

static void
test_configure_refusals(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
	} cases[] = {
		{ "", "[output fw] needs set4, set6 or both" },
		{ "set4 = a\nset6 = a\n", "[output fw] set4 and set6 name the same set" },
		{ "set4 = abcdefghijklmnopqrstuvwxyz0123456\n", "not a valid ipset name" },
		{ "set4 = allowsync-0badcafe\n", "allowsync's temporary sets" },
		{ "set4 = a\ncreate = maybe\n", "create = maybe" },
		{ "set4 = a\nverify = soon\n", "verify = soon" },
		{ "set4 = a\ntable = filter\n", "table" },
	};
	struct err err;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(conf_try(cases[i].body, &err), -1);
		if (strstr(err.msg, cases[i].reason) == NULL)
			fail_msg("case %zu: %s", i, err.msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_delta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stray_tmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_always, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_refusals, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("out_ipset", tests, NULL, NULL);
}
