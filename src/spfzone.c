/* spfzone — SPF TXT records sized for UDP and the 10-lookup limit. */
#include "spfzone.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPF_VERSION "v=spf1"
#define SPF_ALL " -all"
#define SPF_INCLUDE " include:"
/* DNS header and one answer RR whose owner is a compression pointer:
 * name(2) type(2) class(2) ttl(4) rdlength(2). */
#define DNS_HEADER 12
#define DNS_RR_FIXED 12
#define DNS_NAME_MAX 253

const char *
spfzone_domain_check(const char *domain)
{
	size_t n = strlen(domain), label = 0;
	if (n == 0)
		return "empty domain";
	if (domain[n - 1] == '.')
		return "write the domain without the final dot";
	/* Room for the "sN." the sub-records put in front. */
	if (n + 3 > DNS_NAME_MAX)
		return "domain name too long";
	for (const char *p = domain; *p; p++) {
		char c = *p;
		if (c == '.') {
			if (label == 0)
				return "empty label in the domain name";
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return "a domain name holds letters, digits, '-', '_' and dots only";
		if (++label > 63)
			return "a label of the domain name is longer than 63 bytes";
	}
	return NULL;
}

/* The wire length of a name: one length byte a label plus the root. */
static size_t
wire_len(const char *name)
{
	return strlen(name) + 2;
}

/* The response to a TXT query for `name` with one answer of rdlen. */
static size_t
answer_len(const char *name, size_t rdlen)
{
	return DNS_HEADER + wire_len(name) + 4 + DNS_RR_FIXED + rdlen;
}

/* A record being filled: its RDATA length, the length of the string
 * being filled.  Tokens carry their leading blank; strings break only
 * between tokens, so each string is whole terms. */
struct fill {
	const char *name;
	size_t rdlen;
	size_t cur;
};

static void
fill_start(struct fill *f, const char *name)
{
	f->name = name;
	f->cur = strlen(SPF_VERSION);
	f->rdlen = 1 + f->cur;
}

static void
fill_add(struct fill *f, size_t tok)
{
	if (f->cur + tok <= SPFZONE_STRING_MAX) {
		f->cur += tok;
		f->rdlen += tok;
	} else {
		f->cur = tok;
		f->rdlen += 1 + tok;
	}
}

/* Would the token still leave room for the closing " -all"? */
static bool
fill_fits(const struct fill *f, size_t tok)
{
	struct fill g = *f;
	fill_add(&g, tok);
	fill_add(&g, strlen(SPF_ALL));
	return answer_len(g.name, g.rdlen) <= SPFZONE_UDP_MAX;
}

struct terms {
	char **t; /* "ip4:…" without the blank */
	size_t n, cap;
};

static int
term_add(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct terms *ts = ctx;
	char a[PFX_TEXT_MAX], buf[PFX_TEXT_MAX + 8];
	if (ts->n == ts->cap) {
		size_t cap = ts->cap ? 2 * ts->cap : 64;
		char **t = realloc(ts->t, cap * sizeof *t);
		if (!t)
			return -1;
		ts->t = t;
		ts->cap = cap;
	}
	pfx_format_addr(fam, addr, a);
	if (len == pfx_bits(fam))
		snprintf(buf, sizeof buf, "ip%d:%s", fam == PFX_V4 ? 4 : 6, a);
	else
		snprintf(buf, sizeof buf, "ip%d:%s/%d", fam == PFX_V4 ? 4 : 6, a, len);
	if (!(ts->t[ts->n] = strdup(buf)))
		return -1;
	ts->n++;
	return 0;
}

static void
terms_free(struct terms *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->t[i]);
	free(ts->t);
}

/* A plan: sub-record j holds terms [start[j], start[j+1]); the top
 * record holds the includes and terms [start[nsub], n). */
struct plan {
	size_t nsub;
	size_t start[SPFZONE_MAX_INCLUDES + 1];
	size_t placed; /* terms that found a place */
	bool fits;
};

static void
sub_name(char *buf, size_t n, size_t j, const char *domain)
{
	snprintf(buf, n, "s%zu.%s", j + 1, domain);
}

static void
plan_try(const struct terms *ts, const char *domain, size_t k, struct plan *p)
{
	char name[DNS_NAME_MAX + 8];
	size_t pos = 0;
	struct fill f;

	p->nsub = 0;
	p->fits = false;
	for (size_t j = 0; j < k && pos < ts->n; j++) {
		sub_name(name, sizeof name, j, domain);
		fill_start(&f, name);
		p->start[j] = pos;
		while (pos < ts->n && fill_fits(&f, 1 + strlen(ts->t[pos])))
			fill_add(&f, 1 + strlen(ts->t[pos++]));
		p->nsub++;
	}
	p->start[p->nsub] = pos;
	fill_start(&f, domain);
	for (size_t j = 0; j < p->nsub; j++) {
		sub_name(name, sizeof name, j, domain);
		size_t tok = strlen(SPF_INCLUDE) + strlen(name);
		if (!fill_fits(&f, tok)) {
			p->placed = 0;
			return;
		}
		fill_add(&f, tok);
	}
	while (pos < ts->n && fill_fits(&f, 1 + strlen(ts->t[pos])))
		fill_add(&f, 1 + strlen(ts->t[pos++]));
	p->placed = pos;
	p->fits = pos == ts->n;
}

/* Make one record from its tokens, split as fill_add splits them. */
static int
rec_make(struct spfzone_rec *r, const char *name, char *const *tok, size_t ntok)
{
	size_t cap = ntok + 1;
	memset(r, 0, sizeof *r);
	if (!(r->name = strdup(name)) || !(r->strings = calloc(cap, sizeof *r->strings)))
		return -1;
	char *cur = malloc(SPFZONE_STRING_MAX + 1);
	if (!cur)
		return -1;
	size_t curlen = 0;
	for (size_t i = 0; i < ntok; i++) {
		size_t l = strlen(tok[i]);
		if (curlen + l > SPFZONE_STRING_MAX) {
			cur[curlen] = '\0';
			r->strings[r->n_strings++] = cur;
			r->rdlen += 1 + curlen;
			if (!(cur = malloc(SPFZONE_STRING_MAX + 1)))
				return -1;
			curlen = 0;
		}
		memcpy(cur + curlen, tok[i], l);
		curlen += l;
	}
	cur[curlen] = '\0';
	r->strings[r->n_strings++] = cur;
	r->rdlen += 1 + curlen;
	r->answer = answer_len(name, r->rdlen);
	return 0;
}

/* Tokens of one record: "v=spf1", includes, terms, " -all". */
static int
rec_build(struct spfzone_rec *r, const char *name, const char *domain, size_t n_inc,
	  const struct terms *ts, size_t from, size_t to)
{
	size_t ntok = 2 + n_inc + (to - from);
	char **tok = calloc(ntok, sizeof *tok);
	char sub[DNS_NAME_MAX + 8];
	size_t t = 0;
	int ret = -1;

	if (!tok)
		return -1;
	if (!(tok[t++] = strdup(SPF_VERSION)))
		goto out;
	for (size_t j = 0; j < n_inc; j++) {
		sub_name(sub, sizeof sub, j, domain);
		if (asprintf(&tok[t], "%s%s", SPF_INCLUDE, sub) < 0) {
			tok[t] = NULL;
			goto out;
		}
		t++;
	}
	for (size_t i = from; i < to; i++) {
		if (asprintf(&tok[t], " %s", ts->t[i]) < 0) {
			tok[t] = NULL;
			goto out;
		}
		t++;
	}
	if (!(tok[t++] = strdup(SPF_ALL)))
		goto out;
	ret = rec_make(r, name, tok, t);
out:
	for (size_t i = 0; i < ntok; i++)
		free(tok[i]);
	free(tok);
	return ret;
}

int
spfzone_build(const struct pset *set, const char *domain, struct spfzone **out, struct err *err)
{
	struct terms ts = {0};
	struct spfzone *z = NULL;
	struct plan p = {0};
	const char *why = spfzone_domain_check(domain);
	int ret = -1;

	if (why) {
		err_set(err, "spf_domain \"%s\": %s", domain, why);
		return -1;
	}
	if (pset_each_cidr(set, PFX_V4, term_add, &ts) != 0 ||
	    pset_each_cidr(set, PFX_V6, term_add, &ts) != 0) {
		err_set(err, "out of memory");
		goto out;
	}
	/* The fewest sub-records that work: every include costs customers
	 * a lookup. */
	for (size_t k = 0; k <= SPFZONE_MAX_INCLUDES; k++) {
		plan_try(&ts, domain, k, &p);
		if (p.fits)
			break;
	}
	if (!p.fits) {
		err_set(err,
			"SPF records for %s: %zu CIDRs do not fit; %d sub-records (the 10-lookup "
			"limit) of at most %d bytes (one UDP answer) hold about %zu of them, "
			"%zu too many",
			domain, ts.n, SPFZONE_MAX_INCLUDES, SPFZONE_UDP_MAX, p.placed,
			ts.n - p.placed);
		goto out;
	}
	if (!(z = calloc(1, sizeof *z)) || !(z->rec = calloc(p.nsub + 1, sizeof *z->rec)))
		goto oom;
	z->n = p.nsub + 1;
	if (rec_build(&z->rec[0], domain, domain, p.nsub, &ts, p.start[p.nsub], ts.n) < 0)
		goto oom;
	for (size_t j = 0; j < p.nsub; j++) {
		char name[DNS_NAME_MAX + 8];
		sub_name(name, sizeof name, j, domain);
		if (rec_build(&z->rec[j + 1], name, domain, 0, &ts, p.start[j], p.start[j + 1]) < 0)
			goto oom;
	}
	*out = z;
	z = NULL;
	ret = 0;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	spfzone_free(z);
	terms_free(&ts);
	return ret;
}

void
spfzone_free(struct spfzone *z)
{
	if (!z)
		return;
	/* Slots a failed build never filled are zero. */
	for (size_t i = 0; i < z->n; i++) {
		struct spfzone_rec *r = &z->rec[i];
		free(r->name);
		for (size_t j = 0; r->strings && r->strings[j]; j++)
			free(r->strings[j]);
		free(r->strings);
	}
	free(z->rec);
	free(z);
}

char *
spfzone_text(const struct spfzone *z, uint32_t ttl, const char *comment, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	fprintf(f, "; SPF records for %s (%s)\n", z->rec[0].name, comment);
	fprintf(f, "; a domain that includes %s spends %zu of its 10 DNS lookups on it\n",
		z->rec[0].name, z->n);
	for (size_t i = 0; i < z->n; i++) {
		const struct spfzone_rec *r = &z->rec[i];
		fprintf(f, "%s. %u IN TXT", r->name, ttl);
		/* Terms hold no '"' or '\\'; nothing needs escaping. */
		for (size_t j = 0; j < r->n_strings; j++)
			fprintf(f, " \"%s\"", r->strings[j]);
		fputc('\n', f);
	}
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		free(buf);
		return NULL;
	}
	return buf;
}
