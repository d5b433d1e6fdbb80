/* Unit tests: spf — record selection, syntax, first-match with sets,
 * limits, loops, partial mode, temporary errors, and breadth-first
 * resolution, against a fake resolver that answers in rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One answer of the fake DNS: TXT records separated by '|', addresses
 * and MX hosts by spaces.  A name/type not listed is NXDOMAIN. */
struct rr {
	const char *name;
	enum dns_type type;
	enum dns_status st;
	const char *data;
};

struct pending {
	char name[300];
	enum dns_type type;
	dns_cb cb;
	void *arg;
};

struct fake {
	const struct rr *rrs;
	struct pending q[512];
	size_t nq;
	unsigned rounds;   /* answer rounds: the depth of the resolution */
	unsigned queries;
	unsigned txt_queries;
};

static int
fake_query(void *ctx, const char *name, enum dns_type type, dns_cb cb, void *arg)
{
	struct fake *f = ctx;
	assert_true(f->nq < 512);
	snprintf(f->q[f->nq].name, sizeof f->q[f->nq].name, "%s", name);
	f->q[f->nq].type = type;
	f->q[f->nq].cb = cb;
	f->q[f->nq].arg = arg;
	f->nq++;
	f->queries++;
	if (type == DNS_T_TXT)
		f->txt_queries++;
	return 0;
}

static bool
same(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static void
answer(struct fake *f, const struct pending *p)
{
	struct dns_reply r = {.status = DNS_NXDOMAIN, .type = p->type, .name = p->name};
	struct dns_txt txt[16];
	struct dns_addr addr[64];
	struct dns_mx mx[32];
	char buf[8192];
	bool name_exists = false;

	for (const struct rr *rr = f->rrs; rr->name; rr++) {
		if (!same(rr->name, p->name))
			continue;
		name_exists = true;
		if (rr->type != p->type)
			continue;
		r.status = rr->st;
		if (rr->st != DNS_OK)
			break;
		snprintf(buf, sizeof buf, "%s", rr->data);
		if (p->type == DNS_T_TXT) {
			char *save = NULL;
			for (char *t = strtok_r(buf, "|", &save); t; t = strtok_r(NULL, "|", &save)) {
				txt[r.n].s = t;
				txt[r.n++].len = strlen(t);
			}
			r.txt = txt;
		} else if (p->type == DNS_T_MX) {
			char *save = NULL;
			for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				mx[r.n].pref = (unsigned)r.n;
				mx[r.n++].host = t;
			}
			r.mx = mx;
		} else {
			char *save = NULL;
			for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
				struct err why;
				assert_true(pfx_parse_addr(t, strlen(t), &addr[r.n].fam, &addr[r.n].addr,
							   &why));
				r.n++;
			}
			r.addr = addr;
		}
		break;
	}
	if (r.status == DNS_NXDOMAIN && name_exists)
		r.status = DNS_NODATA;
	p->cb(p->arg, &r);
}

/* Every query asked in one round is answered before the next round:
 * the number of rounds is the number of sequential round trips. */
static int
fake_run(void *ctx)
{
	struct fake *f = ctx;
	while (f->nq) {
		struct pending batch[512];
		size_t n = f->nq;
		memcpy(batch, f->q, n * sizeof batch[0]);
		f->nq = 0;
		f->rounds++;
		for (size_t i = 0; i < n; i++)
			answer(f, &batch[i]);
	}
	return 0;
}

struct run {
	struct fake f;
	struct spf_result res;
	struct err err;
	int rc;
};

static void
expand(struct run *r, const struct rr *rrs, const char *domain, const struct spf_opts *o)
{
	struct spf_resolver rv = {fake_query, fake_run, &r->f};
	memset(r, 0, sizeof *r);
	r->f.rrs = rrs;
	r->res.pass = pset_new();
	r->res.fail = pset_new();
	r->res.softfail = pset_new();
	r->res.neutral = pset_new();
	r->rc = spf_expand(domain, o, &rv, &r->res, &r->err);
}

static void
done(struct run *r)
{
	pset_free(r->res.pass);
	pset_free(r->res.fail);
	pset_free(r->res.softfail);
	pset_free(r->res.neutral);
}

static bool
has(const struct pset *s, const char *a)
{
	enum pfx_family fam;
	u128 v;
	struct err why;
	assert_true(pfx_parse_addr(a, strlen(a), &fam, &v, &why));
	return pset_contains(s, fam, v);
}

/* The pass set as "cidr cidr …". */
static const char *
pass_str(const struct run *r)
{
	static char out[4096];
	size_t o = 0;
	for (int f = 4; f <= 6; f += 2) {
		enum pfx_family fam = f == 4 ? PFX_V4 : PFX_V6;
		for (size_t i = 0; i < pset_count(r->res.pass, fam); i++) {
			struct pfx_range rg = pset_get(r->res.pass, fam, i);
			char b[PFX_TEXT_MAX];
			pfx_format_range(fam, &rg, b);
			o += (size_t)snprintf(out + o, sizeof out - o, "%s%s", o ? " " : "", b);
		}
	}
	out[o] = '\0';
	return out;
}

static void
expect_ok(struct run *r, const char *pass)
{
	if (r->rc != 0)
		fail_msg("expected success, got %s: %s", spf_status_str(r->res.status), r->err.msg);
	assert_string_equal(pass_str(r), pass);
}

static void
expect_err(struct run *r, enum spf_status st, const char *needle)
{
	assert_int_equal(r->rc, -1);
	if (r->res.status != st)
		fail_msg("expected %s, got %s: %s", spf_status_str(st),
			 spf_status_str(r->res.status), r->err.msg);
	if (!strstr(r->err.msg, needle))
		fail_msg("error \"%s\" lacks \"%s\"", r->err.msg, needle);
}

/* ---- record selection ---- */

static void
test_select(void **state)
{
	static char s1[] = "v=spf10 ip4:1.2.3.4", s2[] = "V=SpF1 -all", s3[] = "something else";
	static char s4[] = "v=spf1", s5[] = "v=spf1 -all", s6[] = "v=spf1-all", s7[] = "spf1";
	struct dns_txt a[] = {{s1, sizeof s1 - 1}, {s2, sizeof s2 - 1}, {s3, sizeof s3 - 1}};
	struct dns_txt two[] = {{s4, sizeof s4 - 1}, {s5, sizeof s5 - 1}};
	struct dns_txt none[] = {{s6, sizeof s6 - 1}, {s7, sizeof s7 - 1}};
	(void)state;
	assert_int_equal(spf_select(a, 3), 1);
	assert_int_equal(spf_select(two, 2), -2);
	assert_int_equal(spf_select(none, 2), -1);
	assert_int_equal(spf_select(NULL, 0), -1);
}

static void
test_domain_ok(void **state)
{
	(void)state;
	assert_true(spf_domain_ok("spf.smtp2go.com"));
	assert_true(spf_domain_ok("_spf.google.com."));
	assert_false(spf_domain_ok("localhost"));
	assert_false(spf_domain_ok("a..b"));
	assert_false(spf_domain_ok(""));
	assert_false(spf_domain_ok("a b.com"));
	char longlab[80];
	memset(longlab, 'a', 64);
	strcpy(longlab + 64, ".com");
	assert_false(spf_domain_ok(longlab));
}

/* ---- mechanisms and qualifiers ---- */

static void
test_ip_terms(void **state)
{
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 ip4:192.0.2.1 +ip4:198.51.100.0/24 ip6:2001:db8::/32 "
		 "ip6:2001:DB8:0000:ff06::1 ip4:203.0.113.77/28 unknown=mod%%x -all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	/* Host bits of ip4:203.0.113.77/28 are cleared; adjacent ranges merge. */
	expect_ok(&r, "192.0.2.1 198.51.100.0-198.51.100.255 203.0.113.64-203.0.113.79 "
		      "2001:db8::-2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_true(has(r.res.fail, "10.0.0.1"));
	assert_int_equal(r.res.lookups, 0);
	done(&r);
}

static void
test_first_match(void **state)
{
	/* -ip4 before a broader pass removes the address; after it, not. */
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 -ip4:192.0.2.1 ~ip4:192.0.2.2 ?ip4:192.0.2.3 ip4:192.0.2.0/30 "
		 "-ip4:198.51.100.1 ip4:198.51.100.0/31 ip4:203.0.113.9 -ip4:203.0.113.9 ~all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	expect_ok(&r, "192.0.2.0 198.51.100.0 203.0.113.9");
	assert_true(has(r.res.fail, "192.0.2.1"));
	assert_true(has(r.res.softfail, "192.0.2.2"));
	assert_true(has(r.res.neutral, "192.0.2.3"));
	assert_true(has(r.res.softfail, "8.8.8.8"));
	assert_false(has(r.res.fail, "203.0.113.9"));
	done(&r);
}

static void
test_include_and_qualifiers(void **state)
{
	static const struct rr rrs[] = {
		{"top.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 ~include:soft.test include:a.test -include:open.test ip4:10.9.0.0/16 -all"},
		/* soft.test passes 10.0.0.1: ~include makes it softfail at the top. */
		{"soft.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:10.0.0.1 -all"},
		/* a.test: only its pass terms count; its fail terms are not the top's. */
		{"a.test", DNS_T_TXT, DNS_OK, "v=spf1 -ip4:10.1.0.1 ip4:10.1.0.0/30 ip4:10.0.0.0/31 -all"},
		/* -include of a +all record fails everything after: allowed. */
		{"open.test", DNS_T_TXT, DNS_OK, "v=spf1 +all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "top.test", NULL);
	expect_ok(&r, "10.0.0.0 10.1.0.0 10.1.0.2-10.1.0.3");
	assert_true(has(r.res.softfail, "10.0.0.1"));
	assert_true(has(r.res.fail, "10.9.0.1"));
	assert_int_equal(r.res.lookups, 3);
	assert_int_equal(r.res.depth, 1);
	done(&r);
}

static void
test_pass_all_refused(void **state)
{
	static const struct rr rrs[] = {
		{"top.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.0/24 include:open.test -all"},
		{"open.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:10.0.0.0/8 +all"},
		{"plain.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.0/24 all"},
		{"redir.test", DNS_T_TXT, DNS_OK, "v=spf1 redirect=open.test"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "top.test", NULL);
	expect_err(&r, SPF_REFUSED, "open.test: a pass \"all\" would allow the whole address space");
	done(&r);
	expand(&r, rrs, "plain.test", NULL);
	expect_err(&r, SPF_REFUSED, "plain.test");
	done(&r);
	expand(&r, rrs, "redir.test", NULL);
	expect_err(&r, SPF_REFUSED, "open.test");
	done(&r);
}

static void
test_all_ends_record(void **state)
{
	/* Nothing after -all is looked up; redirect is ignored with all. */
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 ip4:192.0.2.1 -all include:never.test a:never.test redirect=never.test"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	expect_ok(&r, "192.0.2.1");
	assert_int_equal(r.f.queries, 1);
	assert_int_equal(r.res.lookups, 0);
	done(&r);
}

static void
test_redirect(void **state)
{
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK, "v=spf1 -ip4:10.0.0.1 ip4:192.0.2.1 redirect=r.test"},
		{"r.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:10.0.0.0/30 ~all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	/* 10.0.0.1 was decided (fail) before the redirect. */
	expect_ok(&r, "10.0.0.0 10.0.0.2-10.0.0.3 192.0.2.1");
	assert_true(has(r.res.softfail, "8.8.8.8"));
	assert_int_equal(r.res.lookups, 1);
	done(&r);
}

static void
test_a_mx(void **state)
{
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK, "v=spf1 a a:h.test/24//64 mx:m.test/30 mx -all"},
		{"x.test", DNS_T_A, DNS_OK, "192.0.2.10"},
		{"x.test", DNS_T_MX, DNS_OK, "mx1.test"},
		{"h.test", DNS_T_A, DNS_OK, "198.51.100.7 198.51.100.200"},
		{"h.test", DNS_T_AAAA, DNS_OK, "2001:db8:1:2::5"},
		{"m.test", DNS_T_MX, DNS_OK, "mx1.test mx2.test"},
		{"mx1.test", DNS_T_A, DNS_OK, "203.0.113.5"},
		{"mx2.test", DNS_T_AAAA, DNS_OK, "2001:db8:9::1"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	expect_ok(&r, "192.0.2.10 198.51.100.0-198.51.100.255 203.0.113.4-203.0.113.7 "
		      "2001:db8:1:2::-2001:db8:1:2:ffff:ffff:ffff:ffff 2001:db8:9::1");
	assert_int_equal(r.res.lookups, 4);
	/* TXT, then a/mx lookups, then the MX hosts' addresses. */
	assert_int_equal(r.f.rounds, 3);
	done(&r);
}

/* ---- errors ---- */

static void
test_syntax_errors(void **state)
{
	static const struct {
		const char *rec, *needle;
	} cases[] = {
		{"v=spf1 foo:bar -all", "unknown mechanism"},
		{"v=spf1 ip4:1.2.3.4/33", "prefix length"},
		{"v=spf1 ip4:1.2.3.4/032", "prefix length"},
		{"v=spf1 ip4:01.2.3.4", "invalid IPv4"},
		{"v=spf1 ip6:2001:db8::/129", "prefix length"},
		{"v=spf1 ip6:1.2.3.4", "invalid IPv6"},
		{"v=spf1 a/24/64", "prefix length"},
		{"v=spf1 include:museum", "no dot"},
		{"v=spf1 include:", "empty domain"},
		{"v=spf1 -all:foo", "all"},
		{"v=spf1 redirect=a.test redirect=b.test", "twice"},
		{"v=spf1 1up=foo", "modifier name"},
		{"v=spf1 exists:%{x}.test", "macro letter"},
		{"v=spf1 ip4:1.2.3.4 -all moo", "unknown mechanism"},
		{"v=spf1 ip4:1.2.3.4\t-all", "invalid IPv4"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct rr rrs[] = {{"x.test", DNS_T_TXT, DNS_OK, cases[i].rec}, {NULL, 0, 0, NULL}};
		struct run r;
		expand(&r, rrs, "x.test", NULL);
		expect_err(&r, SPF_PERMERROR, cases[i].needle);
		done(&r);
	}
}

static void
test_no_or_two_records(void **state)
{
	static const struct rr rrs[] = {
		{"two.test", DNS_T_TXT, DNS_OK, "v=spf1 -all|v=spf1 ip4:1.2.3.4 -all"},
		{"other.test", DNS_T_TXT, DNS_OK, "google-site-verification=x|v=spf10 -all"},
		{"inc.test", DNS_T_TXT, DNS_OK, "v=spf1 include:gone.test -all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "two.test", NULL);
	expect_err(&r, SPF_PERMERROR, "more than one v=spf1 record");
	done(&r);
	expand(&r, rrs, "other.test", NULL);
	expect_err(&r, SPF_PERMERROR, "no v=spf1 record");
	assert_true(r.res.none);
	done(&r);
	expand(&r, rrs, "inc.test", NULL);
	expect_err(&r, SPF_PERMERROR, "inc.test: include:gone.test: no v=spf1 record (NXDOMAIN)");
	assert_false(r.res.none);
	done(&r);
}

static void
test_loops(void **state)
{
	static const struct rr rrs[] = {
		{"a.test", DNS_T_TXT, DNS_OK, "v=spf1 include:b.test -all"},
		{"b.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:1.2.3.4 include:A.TEST. -all"},
		{"r.test", DNS_T_TXT, DNS_OK, "v=spf1 redirect=r.test."},
		/* The same name twice in separate branches is no loop. */
		{"d.test", DNS_T_TXT, DNS_OK, "v=spf1 include:e.test include:e.test -all"},
		{"e.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.1 -all"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "a.test", NULL);
	expect_err(&r, SPF_PERMERROR, "include loop: a.test -> b.test -> A.TEST.");
	done(&r);
	expand(&r, rrs, "r.test", NULL);
	expect_err(&r, SPF_PERMERROR, "redirect loop: r.test -> r.test.");
	done(&r);
	expand(&r, rrs, "d.test", NULL);
	expect_ok(&r, "192.0.2.1");
	done(&r);
}

static void
test_lookup_limit(void **state)
{
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 include:i.test a:h.test a:h.test mx:h.test -all"},
		{"i.test", DNS_T_TXT, DNS_OK,
		 "v=spf1 a:h.test a:h.test a:h.test a:h.test a:h.test a:h.test a:h.test"},
		{"h.test", DNS_T_A, DNS_OK, "192.0.2.1"},
		{"h.test", DNS_T_MX, DNS_OK, "h.test"},
		{NULL, 0, 0, NULL},
	};
	struct spf_opts o = {.max_lookups = 11};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	expect_err(&r, SPF_PERMERROR, "more than 10 DNS lookups");
	done(&r);
	expand(&r, rrs, "x.test", &o);
	expect_ok(&r, "192.0.2.1");
	assert_int_equal(r.res.lookups, 11);
	done(&r);
}

static void
test_void_and_mx_limits(void **state)
{
	static const struct rr rrs[] = {
		{"v2.test", DNS_T_TXT, DNS_OK, "v=spf1 a:n1.test a:n2.test ip4:192.0.2.1 -all"},
		{"v3.test", DNS_T_TXT, DNS_OK, "v=spf1 a:n1.test a:n2.test mx:n3.test -all"},
		/* A name with only an A record is not void (no AAAA is fine). */
		{"v4.test", DNS_T_TXT, DNS_OK, "v=spf1 a:h.test a:h.test a:h.test a:n1.test -all"},
		{"h.test", DNS_T_A, DNS_OK, "192.0.2.9"},
		{"m.test", DNS_T_TXT, DNS_OK, "v=spf1 mx -all"},
		{"m.test", DNS_T_MX, DNS_OK, "a.t b.t c.t d.t e.t f.t g.t h.t i.t j.t k.t"},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "v2.test", NULL);
	expect_ok(&r, "192.0.2.1");
	assert_int_equal(r.res.voids, 2);
	done(&r);
	expand(&r, rrs, "v3.test", NULL);
	expect_err(&r, SPF_PERMERROR, "more than 2 void lookups");
	done(&r);
	expand(&r, rrs, "v4.test", NULL);
	expect_ok(&r, "192.0.2.9");
	assert_int_equal(r.res.voids, 1);
	done(&r);
	expand(&r, rrs, "m.test", NULL);
	expect_err(&r, SPF_PERMERROR, "more than 10 MX names");
	done(&r);
}

static void
test_temperror_anywhere(void **state)
{
	static const struct rr rrs[] = {
		{"x.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.1 include:ok.test include:deep.test -all"},
		{"ok.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.2 -all"},
		{"deep.test", DNS_T_TXT, DNS_OK, "v=spf1 a:bad.test -all"},
		{"bad.test", DNS_T_A, DNS_OK, "192.0.2.3"},
		{"bad.test", DNS_T_AAAA, DNS_SERVFAIL, NULL},
		{"t.test", DNS_T_TXT, DNS_OK, "v=spf1 mx:slow.test -all"},
		{"slow.test", DNS_T_MX, DNS_TIMEOUT, NULL},
		{"m.test", DNS_T_TXT, DNS_MALFORMED, NULL},
		{NULL, 0, 0, NULL},
	};
	struct run r;
	(void)state;
	expand(&r, rrs, "x.test", NULL);
	expect_err(&r, SPF_TEMPERROR, "SERVFAIL for bad.test (AAAA)");
	assert_int_equal(pset_total(r.res.pass), 0);
	done(&r);
	expand(&r, rrs, "t.test", NULL);
	expect_err(&r, SPF_TEMPERROR, "timeout for slow.test (MX)");
	done(&r);
	expand(&r, rrs, "m.test", NULL);
	expect_err(&r, SPF_TEMPERROR, "malformed answer for m.test (TXT)");
	done(&r);
}

static void
test_unflattenable_and_partial(void **state)
{
	static const struct rr rrs[] = {
		{"p.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.1 ptr exists:%{i}.x.test -all"},
		{"m.test", DNS_T_TXT, DNS_OK, "v=spf1 include:%{l}.x.test ip4:192.0.2.5 -all"},
		/* %{d} is known without a client: flattened. */
		{"d.test", DNS_T_TXT, DNS_OK, "v=spf1 include:_s.%{d} -all"},
		{"_s.d.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.7 -all"},
		/* A ptr after all is never evaluated. */
		{"after.test", DNS_T_TXT, DNS_OK, "v=spf1 ip4:192.0.2.8 -all ptr"},
		{NULL, 0, 0, NULL},
	};
	struct spf_opts partial = {.partial = true};
	struct run r;
	(void)state;
	expand(&r, rrs, "p.test", NULL);
	expect_err(&r, SPF_UNFLATTENABLE, "cannot flatten \"ptr\"");
	done(&r);
	expand(&r, rrs, "p.test", &partial);
	expect_ok(&r, "192.0.2.1");
	assert_true(r.res.partial);
	assert_non_null(strstr(r.res.warning, "skipped \"ptr\""));
	assert_non_null(strstr(r.res.warning, "exists:%{i}.x.test"));
	done(&r);
	expand(&r, rrs, "m.test", NULL);
	expect_err(&r, SPF_UNFLATTENABLE, "macro");
	done(&r);
	expand(&r, rrs, "d.test", NULL);
	expect_ok(&r, "192.0.2.7");
	done(&r);
	expand(&r, rrs, "after.test", NULL);
	expect_ok(&r, "192.0.2.8");
	assert_false(r.res.partial);
	done(&r);
}

/* Forty names, three levels: resolved in as many rounds as levels (plus
 * the a lookups of the last level), not one query after another. */
static void
test_breadth_first(void **state)
{
	static struct rr rrs[64];
	static char names[48][32], recs[48][512], addrs[48][32];
	size_t n = 0;
	(void)state;
	/* top -> 6 mid -> 5 leaves each (33 TXT names) + 6 a: hosts. */
	char top[512] = "v=spf1";
	for (int m = 0; m < 6; m++) {
		snprintf(top + strlen(top), sizeof top - strlen(top), " include:m%d.test", m);
		snprintf(names[n], sizeof names[n], "m%d.test", m);
		snprintf(recs[n], sizeof recs[n], "v=spf1 a:h%d.test", m);
		for (int l = 0; l < 5; l++)
			snprintf(recs[n] + strlen(recs[n]), sizeof recs[n] - strlen(recs[n]),
				 " include:l%d-%d.test", m, l);
		strcat(recs[n], " -all");
		rrs[n] = (struct rr){names[n], DNS_T_TXT, DNS_OK, recs[n]};
		n++;
		snprintf(names[n], sizeof names[n], "h%d.test", m);
		snprintf(addrs[n], sizeof addrs[n], "10.%d.0.1", m);
		rrs[n] = (struct rr){names[n], DNS_T_A, DNS_OK, addrs[n]};
		n++;
		for (int l = 0; l < 5; l++) {
			snprintf(names[n], sizeof names[n], "l%d-%d.test", m, l);
			snprintf(recs[n], sizeof recs[n], "v=spf1 ip4:10.%d.%d.0/24 -all", m, l + 1);
			rrs[n] = (struct rr){names[n], DNS_T_TXT, DNS_OK, recs[n]};
			n++;
		}
	}
	strcat(top, " -all");
	rrs[n++] = (struct rr){"top.test", DNS_T_TXT, DNS_OK, top};
	rrs[n] = (struct rr){NULL, 0, 0, NULL};
	struct spf_opts o = {.max_lookups = 100};
	struct run r;
	expand(&r, rrs, "top.test", &o);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.res.records, 37);
	assert_int_equal(r.res.depth, 2);
	assert_int_equal(r.f.rounds, 3);
	assert_true(has(r.res.pass, "10.5.5.200"));
	assert_true(has(r.res.pass, "10.3.0.1"));
	assert_false(has(r.res.pass, "10.3.0.2"));
	assert_int_equal(r.f.txt_queries, 37);
	done(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select),
		cmocka_unit_test(test_domain_ok),
		cmocka_unit_test(test_ip_terms),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_include_and_qualifiers),
		cmocka_unit_test(test_pass_all_refused),
		cmocka_unit_test(test_all_ends_record),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_a_mx),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_no_or_two_records),
		cmocka_unit_test(test_loops),
		cmocka_unit_test(test_lookup_limit),
		cmocka_unit_test(test_void_and_mx_limits),
		cmocka_unit_test(test_temperror_anywhere),
		cmocka_unit_test(test_unflattenable_and_partial),
		cmocka_unit_test(test_breadth_first),
	};
	return cmocka_run_group_tests_name("spf", tests, NULL, NULL);
}
