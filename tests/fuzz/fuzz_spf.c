/* libFuzzer: SPF expansion over hostile DNS data never crashes, leaks or
 * loops.  The input is the zone: records separated by '\n'; the record at
 * line N is the TXT of nN.f (several TXT records per name with '|'), and
 * A/AAAA/MX answers come from fixed data, so includes, redirects, a/mx,
 * macros and loops between the fuzzed records are all reachable.  On
 * success the pass/fail/softfail/neutral sets must be disjoint. */
#include "spf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct q {
	char name[300];
	enum dns_type type;
	dns_cb cb;
	void *arg;
};

struct fz {
	const char *zone;
	size_t len;
	struct q q[256];
	size_t nq;
	unsigned sent;
};

static int
fz_query(void *ctx, const char *name, enum dns_type type, dns_cb cb, void *arg)
{
	struct fz *f = ctx;
	if (f->nq == 256 || ++f->sent > 4000)
		return -1;
	snprintf(f->q[f->nq].name, sizeof f->q[f->nq].name, "%s", name);
	f->q[f->nq].type = type;
	f->q[f->nq].cb = cb;
	f->q[f->nq].arg = arg;
	f->nq++;
	return 0;
}

/* Line `n` of the zone, or NULL. */
static const char *
line(const struct fz *f, unsigned n, size_t *len)
{
	const char *p = f->zone, *end = f->zone + f->len;
	for (unsigned i = 0; i < n; i++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return NULL;
		p = nl + 1;
	}
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

static void
answer(struct fz *f, const struct q *q)
{
	struct dns_reply r = {.status = DNS_NXDOMAIN, .type = q->type, .name = q->name};
	struct dns_txt txt[8];
	char buf[8][1024];
	struct dns_addr addr[2];
	char mxh[2][16] = {"n1.f", "n2.f"};
	struct dns_mx mx[2] = {{10, mxh[0]}, {20, mxh[1]}};
	unsigned n;

	if (sscanf(q->name, "n%u.f", &n) != 1 && strcasecmp(q->name, "timeout.f") == 0) {
		r.status = DNS_TIMEOUT;
	} else if (q->type == DNS_T_TXT) {
		size_t len;
		const char *l = sscanf(q->name, "n%u.f", &n) == 1 ? line(f, n, &len) : NULL;
		if (l) {
			r.status = DNS_OK;
			r.txt = txt;
			while (r.n < 8) {
				const char *bar = memchr(l, '|', len);
				size_t k = bar ? (size_t)(bar - l) : len;
				if (k > 1023)
					k = 1023;
				memcpy(buf[r.n], l, k);
				buf[r.n][k] = '\0';
				txt[r.n].s = buf[r.n];
				txt[r.n].len = k;
				r.n++;
				if (!bar)
					break;
				len -= (size_t)(bar - l) + 1;
				l = bar + 1;
			}
		}
	} else if (q->type == DNS_T_MX) {
		r.status = DNS_OK;
		r.mx = mx;
		r.n = 2;
	} else {
		r.status = DNS_OK;
		r.addr = addr;
		r.n = 1;
		addr[0].fam = q->type == DNS_T_A ? PFX_V4 : PFX_V6;
		addr[0].addr = q->type == DNS_T_A ? 0xc0000201u : ((u128)0x20010db8u << 96) | 1;
	}
	q->cb(q->arg, &r);
}

static int
fz_run(void *ctx)
{
	struct fz *f = ctx;
	while (f->nq) {
		struct q batch[256];
		size_t n = f->nq;
		memcpy(batch, f->q, n * sizeof batch[0]);
		f->nq = 0;
		for (size_t i = 0; i < n; i++)
			answer(f, &batch[i]);
	}
	return 0;
}

static void
disjoint(const struct pset *a, const struct pset *b)
{
	struct pset *x = pset_dup(a);
	if (!x || pset_subtract(x, b) != 0)
		abort();
	/* a - b must keep every address of a that b lacks: sizes add up. */
	for (enum pfx_family fam = PFX_V4; fam <= PFX_V6; fam += 2)
		if (pset_addr_count(x, fam) != pset_addr_count(a, fam))
			abort();
	pset_free(x);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f = {.zone = (const char *)data, .len = size};
	struct spf_resolver rv = {fz_query, fz_run, &f};
	struct spf_opts o = {.partial = size && (data[0] & 1)};
	struct spf_result r = {0};
	struct err err = {0};
	struct pset *s[4];

	r.pass = s[0] = pset_new();
	r.fail = s[1] = pset_new();
	r.softfail = s[2] = pset_new();
	r.neutral = s[3] = pset_new();
	if (spf_expand("n0.f", &o, &rv, &r, &err) == 0) {
		for (int i = 0; i < 4; i++)
			for (int j = i + 1; j < 4; j++)
				disjoint(s[i], s[j]);
	} else if (!err.msg[0]) {
		abort();
	}
	for (int i = 0; i < 4; i++)
		pset_free(s[i]);
	return 0;
}
