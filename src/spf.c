/* spf — expand an SPF record tree into the addresses it passes.
 *
 * Two phases.  Resolving: each record is parsed as soon as its TXT
 * answer arrives and every lookup it needs (include/redirect targets,
 * a, mx and then the MX hosts' addresses) is issued at once, so the
 * whole tree is in flight level by level.  Limits are checked while
 * resolving, so a hostile tree cannot make us send more than a bounded
 * number of queries.  Evaluating: once nothing is pending, the tree is
 * walked in record order, applying first-match with sets.
 */
#include "spf.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum mech { M_ALL, M_INCLUDE, M_A, M_MX, M_PTR, M_IP4, M_IP6, M_EXISTS, M_REDIRECT };

static const char *const mech_names[] = {
	[M_ALL] = "all", [M_INCLUDE] = "include", [M_A] = "a", [M_MX] = "mx",
	[M_PTR] = "ptr", [M_IP4] = "ip4", [M_IP6] = "ip6", [M_EXISTS] = "exists",
	[M_REDIRECT] = "redirect",
};

/* Qualifier index into the result sets. */
enum { Q_PASS, Q_FAIL, Q_SOFTFAIL, Q_NEUTRAL, Q_N };

struct rec;

struct term {
	enum mech m;
	int q;              /* Q_* */
	char *target;       /* a/mx/include/redirect domain; NULL = the record's own */
	int c4, c6;         /* a/mx prefix lengths */
	enum pfx_family fam; /* ip4/ip6 */
	u128 lo, hi;
	bool skip;          /* cannot be flattened; skipped under `partial` */
	struct rec *child;  /* include/redirect */
	struct pset *set;   /* a/mx: the addresses found, widened to c4/c6 */
	unsigned naddr_lookups_void; /* a/mx host lookups that came back void */
	char *text;         /* the term as written, for messages */
};

struct rec {
	char *domain;
	struct rec *parent;
	enum mech via;      /* M_INCLUDE or M_REDIRECT (top: M_ALL) */
	unsigned depth;
	struct term *terms;
	size_t n;           /* terms evaluated: up to and including `all` */
	size_t cap;
	struct term *redirect; /* only when there is no `all` */
	bool has_all;
	bool parsed;
};

/* One pending lookup. */
struct qarg {
	struct walk *w;
	struct rec *r;      /* TXT of a record */
	struct term *t;     /* a / mx / mx-host addresses */
	int fams_left;      /* a/mx host: A and AAAA both answered when 0 */
	bool any;           /* a/mx host: some address found */
	char *host;         /* mx host name (for messages) */
	struct qarg *next;  /* every qarg, for freeing */
};

struct walk {
	const struct spf_opts *o;
	const struct spf_resolver *rv;
	struct spf_result *res;
	struct rec **recs;
	size_t nrecs, caprecs;
	struct qarg *qargs;
	unsigned lookups, voids;
	enum spf_status st;
	struct err *err; /* the caller's: the first error */
	char warn[512];
};

const char *
spf_status_str(enum spf_status s)
{
	switch (s) {
	case SPF_OK: return "ok";
	case SPF_PERMERROR: return "permerror";
	case SPF_TEMPERROR: return "temperror";
	case SPF_REFUSED: return "refused";
	case SPF_UNFLATTENABLE: return "cannot flatten";
	}
	return "?";
}

static void fail(struct walk *w, enum spf_status st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Keep the first error: it is the one that stopped the walk. */
static void
fail(struct walk *w, enum spf_status st, const char *fmt, ...)
{
	va_list ap;

	if (w->st != SPF_OK)
		return;
	w->st = st;
	va_start(ap, fmt);
	err_setv(w->err, fmt, ap);
	va_end(ap);
}

static void warn(struct walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
warn(struct walk *w, const char *fmt, ...)
{
	size_t l = strlen(w->warn);
	va_list ap;

	if (l + 3 >= sizeof w->warn)
		return;
	if (l) {
		memcpy(w->warn + l, "; ", 3);
		l += 2;
	}
	va_start(ap, fmt);
	vsnprintf(w->warn + l, sizeof w->warn - l, fmt, ap);
	va_end(ap);
}

/* ---- record selection and syntax ---- */

static bool
is_spf1(const char *s, size_t n)
{
	return n >= 6 && strncasecmp(s, "v=spf1", 6) == 0 && (n == 6 || s[6] == ' ');
}

int
spf_select(const struct dns_txt *txt, size_t n)
{
	int found = -1;

	for (size_t i = 0; i < n; i++) {
		if (!is_spf1(txt[i].s, txt[i].len))
			continue;
		if (found >= 0)
			return -2;
		found = (int)i;
	}
	return found;
}

static bool
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool
toplabel_ok(const char *s, size_t n)
{
	bool alpha = false, dash = false;

	if (n == 0 || s[0] == '-' || s[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_alpha(s[i]))
			alpha = true;
		else if (s[i] == '-')
			dash = true;
		else if (!is_digit(s[i]))
			return false;
	}
	return alpha || dash;
}

/* Apply the transformers of a %{d…} macro to `dom` (RFC 7208 7.3). */
static int
macro_d(const char *dom, unsigned keep, bool rev, const char *delims, char *out, size_t outsz)
{
	const char *parts[128];
	size_t plen[128], np = 0;
	const char *p = dom;
	size_t dl = strlen(dom);

	if (dl && dom[dl - 1] == '.')
		dl--;
	while (np < 128) {
		size_t l = 0;
		while (p + l < dom + dl && !strchr(delims, p[l]))
			l++;
		parts[np] = p;
		plen[np++] = l;
		if (p + l >= dom + dl)
			break;
		p += l + 1;
	}
	if (rev)
		for (size_t i = 0; i < np / 2; i++) {
			const char *t = parts[i];
			size_t tl = plen[i];
			parts[i] = parts[np - 1 - i], plen[i] = plen[np - 1 - i];
			parts[np - 1 - i] = t, plen[np - 1 - i] = tl;
		}
	size_t first = keep && keep < np ? np - keep : 0, o = 0;
	for (size_t i = first; i < np; i++) {
		if (o + plen[i] + 2 >= outsz)
			return -1;
		if (i > first)
			out[o++] = '.';
		memcpy(out + o, parts[i], plen[i]);
		o += plen[i];
	}
	out[o] = '\0';
	return 0;
}

/* Check a domain-spec (or, with `modifier`, any macro-string) and expand
 * it.  `cur` is the domain of the record (for %{d}).  Returns NULL, or a
 * reason; *macro is set when it uses a macro that depends on the
 * client (then *out is NULL). */
static const char *
domain_spec(const char *s, size_t n, const char *cur, bool modifier, char **out, bool *macro)
{
	static const char letters[] = "slodiphv";
	char buf[1024];
	size_t o = 0;
	bool ends_macro = false;

	*out = NULL;
	*macro = false;
	if (n == 0)
		return "empty domain";
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x21 || c > 0x7e)
			return "invalid character";
		ends_macro = false;
		if (c != '%') {
			if (o + 1 < sizeof buf)
				buf[o++] = (char)c;
			i++;
			continue;
		}
		if (i + 1 >= n)
			return "\"%\" at the end";
		char e = s[i + 1];
		if (e == '%' || e == '_' || e == '-') {
			const char *rep = e == '%' ? "%" : e == '_' ? " " : "%20";
			for (; *rep && o + 1 < sizeof buf; rep++)
				buf[o++] = *rep;
			i += 2;
			ends_macro = true;
			continue;
		}
		if (e != '{')
			return "invalid \"%\" escape";
		size_t j = i + 2;
		if (j >= n || !strchr(letters, tolower((unsigned char)s[j])) || !s[j])
			return "invalid macro letter";
		char letter = (char)tolower((unsigned char)s[j++]);
		unsigned keep = 0, ndig = 0;
		while (j < n && is_digit(s[j])) {
			keep = keep * 10 + (unsigned)(s[j++] - '0');
			if (++ndig > 3)
				return "invalid macro transformer";
		}
		if (ndig && keep == 0)
			return "invalid macro transformer";
		if (keep > 128)
			keep = 128;
		bool rev = false;
		if (j < n && (s[j] == 'r' || s[j] == 'R'))
			rev = true, j++;
		char delims[8] = "";
		size_t nd = 0;
		while (j < n && strchr(".-+,/_=", s[j]) && s[j]) {
			if (nd < sizeof delims - 1 && !memchr(delims, s[j], nd))
				delims[nd++] = s[j];
			j++;
		}
		if (j >= n || s[j] != '}')
			return "unterminated macro";
		if (nd == 0)
			delims[nd++] = '.';
		delims[nd] = '\0';
		if (letter != 'd')
			*macro = true;
		else if (!*macro) {
			char d[512];
			if (macro_d(cur, keep, rev, delims, d, sizeof d) < 0)
				return "macro expansion too long";
			for (const char *p = d; *p && o + 1 < sizeof buf; p++)
				buf[o++] = *p;
		}
		i = j + 1;
		ends_macro = true;
	}
	if (modifier)
		return NULL;
	if (!ends_macro) {
		/* domain-end = "." toplabel ["."] */
		size_t e = n;
		if (s[e - 1] == '.')
			e--;
		size_t b = e;
		while (b > 0 && s[b - 1] != '.')
			b--;
		if (b == 0)
			return "not a domain name (no dot)";
		if (!toplabel_ok(s + b, e - b))
			return "invalid top label";
	}
	if (*macro)
		return NULL;
	buf[o] = '\0';
	/* RFC 7208 4.8 / 7.3: an expansion longer than 253 characters
	 * keeps its right-hand labels. */
	char *start = buf;
	while (strlen(start) > 253) {
		char *dot = strchr(start, '.');
		if (!dot)
			break;
		start = dot + 1;
	}
	*out = strdup(start);
	return *out ? NULL : "out of memory";
}

/* "/N" with no leading zero, 0..max.  Returns the value or -1. */
static int
cidr_len(const char *s, size_t n, int max)
{
	int v = 0;

	if (n == 0 || n > 3 || (n > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v <= max ? v : -1;
}

/* Strip a trailing dual-cidr-length ("/N", "//M", "/N//M") from
 * [s, s+*n) into c4/c6.  NULL or a reason. */
static const char *
dual_cidr(const char *s, size_t *n, int *c4, int *c6)
{
	size_t e = *n, b = e;

	*c4 = 32;
	*c6 = 128;
	while (b > 0 && is_digit(s[b - 1]))
		b--;
	if (b == e || b == 0 || s[b - 1] != '/')
		return NULL;
	if (b >= 2 && s[b - 2] == '/') {
		if ((*c6 = cidr_len(s + b, e - b, 128)) < 0)
			return "invalid IPv6 prefix length";
		e = b - 2;
		*n = e;
		b = e;
		while (b > 0 && is_digit(s[b - 1]))
			b--;
		if (b == e || b == 0 || s[b - 1] != '/')
			return NULL;
	}
	if ((*c4 = cidr_len(s + b, e - b, 32)) < 0)
		return "invalid IPv4 prefix length";
	*n = b - 1;
	return NULL;
}

/* qnum "." qnum "." qnum "." qnum, no leading zeros (RFC 7208 5.6). */
static bool
ip4_ok(const char *s, size_t n, u128 *v)
{
	unsigned parts = 0, cur = 0, digits = 0;
	u128 acc = 0;

	for (size_t i = 0; i <= n; i++) {
		if (i == n || s[i] == '.') {
			if (digits == 0 || cur > 255 || parts == 4)
				return false;
			acc = acc << 8 | cur;
			parts++;
			cur = digits = 0;
			continue;
		}
		if (!is_digit(s[i]) || (digits == 1 && cur == 0))
			return false;
		cur = cur * 10 + (unsigned)(s[i] - '0');
		if (++digits > 3)
			return false;
	}
	*v = acc;
	return parts == 4;
}

static bool
ip6_ok(const char *s, size_t n, u128 *v)
{
	char b[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (n >= sizeof b)
		return false;
	memcpy(b, s, n);
	b[n] = '\0';
	if (inet_pton(AF_INET6, b, a) != 1)
		return false;
	*v = pfx_addr_from_bytes(PFX_V6, a);
	return true;
}

static const char *
parse_ip(struct term *t, const char *arg, size_t n)
{
	const char *slash = memchr(arg, '/', n);
	size_t an = slash ? (size_t)(slash - arg) : n;
	int len = t->m == M_IP4 ? 32 : 128;
	u128 v = 0; /* set by ip4_ok/ip6_ok; gcc -O1 cannot see it */

	if (slash && (len = cidr_len(slash + 1, n - an - 1, t->m == M_IP4 ? 32 : 128)) < 0)
		return t->m == M_IP4 ? "invalid IPv4 prefix length" : "invalid IPv6 prefix length";
	if (t->m == M_IP4 ? !ip4_ok(arg, an, &v) : !ip6_ok(arg, an, &v))
		return t->m == M_IP4 ? "invalid IPv4 address" : "invalid IPv6 address";
	t->fam = t->m == M_IP4 ? PFX_V4 : PFX_V6;
	u128 hm = pfx_hostmask(t->fam, len);
	t->lo = v & ~hm;
	t->hi = t->lo | hm;
	return NULL;
}

static struct term *
add_term(struct rec *r)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct term *t = realloc(r->terms, cap * sizeof *t);
		if (!t)
			return NULL;
		r->terms = t;
		r->cap = cap;
	}
	struct term *t = &r->terms[r->n++];
	memset(t, 0, sizeof *t);
	return t;
}

/* Parse one term into `t`.  NULL, or a reason.  *is_mod tells a modifier
 * (then t is only filled for redirect). */
static const char *
parse_term(struct walk *w, struct rec *r, const char *s, size_t n, struct term *t,
	   bool *is_mod, bool *is_exp)
{
	size_t i = 0, nl;
	bool macro = false;
	const char *why;

	*is_mod = *is_exp = false;
	/* name "=" → modifier, if the name comes before any ':' or '/'. */
	nl = strcspn(s, ":/=");
	if (nl > n)
		nl = n;
	if (nl < n && s[nl] == '=') {
		if (nl == 0 || !is_alpha(s[0]))
			return "invalid modifier name";
		for (size_t k = 1; k < nl; k++)
			if (!is_alpha(s[k]) && !is_digit(s[k]) && !strchr("-_.", s[k]))
				return "invalid modifier name";
		*is_mod = true;
		const char *v = s + nl + 1;
		size_t vn = n - nl - 1;
		if (nl == 8 && strncasecmp(s, "redirect", 8) == 0) {
			t->m = M_REDIRECT;
			if ((why = domain_spec(v, vn, r->domain, false, &t->target, &macro)))
				return why;
			t->skip = macro;
			return NULL;
		}
		if (nl == 3 && strncasecmp(s, "exp", 3) == 0) {
			char *ign = NULL;
			*is_exp = true;
			why = domain_spec(v, vn, r->domain, false, &ign, &macro);
			free(ign);
			return why;
		}
		if (vn == 0)
			return NULL;
		char *ign = NULL;
		why = domain_spec(v, vn, r->domain, true, &ign, &macro);
		free(ign);
		return why;
	}
	(void)w;
	t->q = Q_PASS;
	switch (s[0]) {
	case '+': t->q = Q_PASS, i = 1; break;
	case '-': t->q = Q_FAIL, i = 1; break;
	case '~': t->q = Q_SOFTFAIL, i = 1; break;
	case '?': t->q = Q_NEUTRAL, i = 1; break;
	default: break;
	}
	size_t ml = strcspn(s + i, ":/");
	if (ml > n - i)
		ml = n - i;
	int m = -1;
	for (int k = 0; k < M_REDIRECT; k++)
		if (strlen(mech_names[k]) == ml && strncasecmp(s + i, mech_names[k], ml) == 0)
			m = k;
	if (m < 0)
		return "unknown mechanism";
	t->m = (enum mech)m;
	const char *rest = s + i + ml;
	size_t rn = n - i - ml;
	bool has_arg = rn > 0 && rest[0] == ':';
	const char *arg = has_arg ? rest + 1 : rest;
	size_t an = has_arg ? rn - 1 : rn;

	switch (t->m) {
	case M_ALL:
		return rn ? "\"all\" takes no argument" : NULL;
	case M_INCLUDE:
	case M_EXISTS:
		if (!has_arg)
			return "missing domain";
		if ((why = domain_spec(arg, an, r->domain, false, &t->target, &macro)))
			return why;
		t->skip = macro || t->m == M_EXISTS;
		return NULL;
	case M_PTR:
		if (rn && !has_arg)
			return "\"ptr\" takes no prefix length";
		if (has_arg && (why = domain_spec(arg, an, r->domain, false, &t->target, &macro)))
			return why;
		t->skip = true;
		return NULL;
	case M_A:
	case M_MX:
		if (rn && !has_arg && rest[0] != '/')
			return "invalid syntax";
		if ((why = dual_cidr(arg, &an, &t->c4, &t->c6)))
			return why;
		if (has_arg && (why = domain_spec(arg, an, r->domain, false, &t->target, &macro)))
			return why;
		if (!has_arg && an)
			return "invalid syntax";
		t->skip = macro;
		return NULL;
	case M_IP4:
	case M_IP6:
		if (!has_arg)
			return "missing address";
		return parse_ip(t, arg, an);
	case M_REDIRECT:
		break;
	}
	return "unknown mechanism";
}

/* Parse the record text into r.  false when fail() was called. */
static bool
parse_record(struct walk *w, struct rec *r, const char *s, size_t len)
{
	size_t i = 6;  /* after "v=spf1" */
	struct term redirect = {0};
	bool have_redirect = false, have_exp = false, after_all = false;

	while (i < len) {
		if (s[i] == ' ') {
			i++;
			continue;
		}
		size_t b = i;
		while (i < len && s[i] != ' ')
			i++;
		struct term tmp = {0};
		bool is_mod, is_exp;
		const char *why = parse_term(w, r, s + b, i - b, &tmp, &is_mod, &is_exp);
		int tl = (int)(i - b > 200 ? 200 : i - b);
		if (why) {
			free(tmp.target);
			fail(w, SPF_PERMERROR, "%s: \"%.*s\": %s", r->domain, tl, s + b, why);
			goto fail;
		}
		if (is_mod) {
			if (is_exp && have_exp) {
				fail(w, SPF_PERMERROR, "%s: exp= given twice", r->domain);
				goto fail;
			}
			have_exp |= is_exp;
			if (tmp.m == M_REDIRECT) {
				if (have_redirect) {
					free(tmp.target);
					fail(w, SPF_PERMERROR, "%s: redirect= given twice", r->domain);
					goto fail;
				}
				have_redirect = true;
				redirect = tmp;
				redirect.text = strndup(s + b, i - b);
			}
			continue;
		}
		/* Terms after `all` are checked but never evaluated. */
		if (after_all) {
			free(tmp.target);
			continue;
		}
		struct term *t = add_term(r);
		if (!t) {
			free(tmp.target);
			fail(w, SPF_TEMPERROR, "%s: out of memory", r->domain);
			goto fail;
		}
		*t = tmp;
		t->text = strndup(s + b, i - b);
		if (t->m == M_ALL) {
			after_all = true;
			r->has_all = true;
		}
	}
	if (have_redirect && !r->has_all) {
		struct term *t = add_term(r);
		if (!t) {
			fail(w, SPF_TEMPERROR, "%s: out of memory", r->domain);
			goto fail;
		}
		*t = redirect;
		r->n--;  /* kept after the evaluated terms */
		r->redirect = t;
		r->parsed = true;
		return true;
	}
	r->parsed = true;
	free(redirect.target);
	free(redirect.text);
	return true;
fail:
	free(redirect.target);
	free(redirect.text);
	return false;
}

/* ---- resolving ---- */

static bool
same_domain(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static struct qarg *
qarg_new(struct walk *w)
{
	struct qarg *q = calloc(1, sizeof *q);
	if (!q) {
		fail(w, SPF_TEMPERROR, "out of memory");
		return NULL;
	}
	q->w = w;
	q->next = w->qargs;
	w->qargs = q;
	return q;
}

/* The query state of an a or mx term, whose addresses collect in a set
 * of its own; NULL (the walk failed) on ENOMEM. */
static struct qarg *
term_qarg(struct walk *w, struct term *t, struct rec *r)
{
	struct qarg *q = qarg_new(w);

	if (!q)
		return NULL;
	if (!(t->set = pset_new())) {
		fail(w, SPF_TEMPERROR, "out of memory");
		return NULL;
	}
	q->t = t;
	q->r = r;
	return q;
}

static void on_txt(void *arg, const struct dns_reply *r);
static void on_addr(void *arg, const struct dns_reply *r);
static void on_mx(void *arg, const struct dns_reply *r);

static void
send_q(struct walk *w, struct qarg *q, const char *name, enum dns_type type, dns_cb cb)
{
	w->res->queries++;
	if (w->rv->query(w->rv->ctx, name, type, cb, q) != 0)
		fail(w, SPF_TEMPERROR, "%s: cannot queue a %s query", name, dns_type_str(type));
}

static struct rec *
rec_new(struct walk *w, const char *domain, struct rec *parent, enum mech via)
{
	if (w->nrecs == w->caprecs) {
		size_t cap = w->caprecs ? w->caprecs * 2 : 16;
		struct rec **n = realloc(w->recs, cap * sizeof *n);
		if (!n)
			return NULL;
		w->recs = n;
		w->caprecs = cap;
	}
	struct rec *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->domain = strdup(domain);
	if (!r->domain) {
		free(r);
		return NULL;
	}
	r->parent = parent;
	r->via = via;
	r->depth = parent ? parent->depth + 1 : 0;
	if (r->depth > w->res->depth)
		w->res->depth = r->depth;
	w->recs[w->nrecs++] = r;
	return r;
}

static void
lookup_record(struct walk *w, struct rec *r)
{
	struct qarg *q = qarg_new(w);
	if (!q)
		return;
	q->r = r;
	send_q(w, q, r->domain, DNS_T_TXT, on_txt);
}

/* "a -> b -> a" for a loop back to `target` from `r`. */
static void
loop_error(struct walk *w, struct rec *r, const char *target, enum mech via)
{
	char path[400] = "";
	size_t l = 0;
	const struct rec *chain[64];
	size_t n = 0;

	for (const struct rec *p = r; p && n < 64; p = p->parent)
		chain[n++] = p;
	for (size_t i = n; i-- > 0;) {
		int k = snprintf(path + l, sizeof path - l, "%s -> ", chain[i]->domain);
		if (k < 0 || (size_t)k >= sizeof path - l)
			break;
		l += (size_t)k;
	}
	fail(w, SPF_PERMERROR, "%s loop: %s%s", via == M_INCLUDE ? "include" : "redirect", path,
	     target);
}

static void
issue_term(struct walk *w, struct rec *r, struct term *t)
{
	const char *dom = t->target ? t->target : r->domain;

	if (t->skip) {
		if (!w->o->partial) {
			fail(w, SPF_UNFLATTENABLE, "%s: cannot flatten \"%s\" (%s)", r->domain, t->text,
			     t->m == M_PTR ? "ptr depends on the client's reverse DNS"
			     : t->m == M_EXISTS ? "exists depends on the client"
			     : "a macro depends on the client");
			return;
		}
		warn(w, "%s: skipped \"%s\"", r->domain, t->text);
		w->res->partial = true;
		return;
	}
	switch (t->m) {
	case M_INCLUDE:
	case M_REDIRECT: {
		for (const struct rec *p = r; p; p = p->parent)
			if (same_domain(p->domain, dom)) {
				loop_error(w, r, dom, t->m);
				return;
			}
		t->child = rec_new(w, dom, r, t->m);
		if (!t->child) {
			fail(w, SPF_TEMPERROR, "out of memory");
			return;
		}
		lookup_record(w, t->child);
		return;
	}
	case M_A: {
		struct qarg *q = term_qarg(w, t, r);
		if (!q)
			return;
		q->fams_left = 2;
		send_q(w, q, dom, DNS_T_A, on_addr);
		send_q(w, q, dom, DNS_T_AAAA, on_addr);
		return;
	}
	case M_MX: {
		struct qarg *q = term_qarg(w, t, r);
		if (!q)
			return;
		send_q(w, q, dom, DNS_T_MX, on_mx);
		return;
	}
	default:
		return;
	}
}

static bool
counts_lookup(const struct term *t)
{
	return t->m == M_INCLUDE || t->m == M_A || t->m == M_MX || t->m == M_PTR ||
	       t->m == M_EXISTS || t->m == M_REDIRECT;
}

static void
add_void(struct walk *w, const char *name, const char *what)
{
	unsigned max = w->o->max_void ? w->o->max_void : 2;
	w->voids++;
	if (w->voids > max)
		fail(w, SPF_PERMERROR, "more than %u void lookups (the last: %s %s)", max, what,
		     name);
}

static void
on_txt(void *arg, const struct dns_reply *d)
{
	struct qarg *q = arg;
	struct walk *w = q->w;
	struct rec *r = q->r;
	const char *via = r->via == M_INCLUDE ? "include:" : r->via == M_REDIRECT ? "redirect=" : "";

	if (w->st != SPF_OK)
		return;
	if (dns_status_temp(d->status) || d->status == DNS_BADNAME) {
		fail(w, d->status == DNS_BADNAME ? SPF_PERMERROR : SPF_TEMPERROR,
		     "%s for %s (TXT)", dns_status_str(d->status), r->domain);
		return;
	}
	int i = d->status == DNS_OK ? spf_select(d->txt, d->n) : -1;
	if (i == -2) {
		fail(w, SPF_PERMERROR, "%s%s: more than one v=spf1 record", via, r->domain);
		return;
	}
	if (i < 0) {
		fail(w, SPF_PERMERROR, "%s%s%s%s: no v=spf1 record%s",
		     r->parent ? r->parent->domain : "", r->parent ? ": " : "", via, r->domain,
		     d->status == DNS_NXDOMAIN ? " (NXDOMAIN)" : "");
		if (!r->parent)
			w->res->none = true;
		return;
	}
	w->res->records++;
	if (memchr(d->txt[i].s, '\0', d->txt[i].len)) {
		fail(w, SPF_PERMERROR, "%s: record holds a NUL byte", r->domain);
		return;
	}
	if (!parse_record(w, r, d->txt[i].s, d->txt[i].len))
		return;

	unsigned max = w->o->max_lookups ? w->o->max_lookups : 10;
	for (size_t k = 0; k < r->n; k++)
		if (counts_lookup(&r->terms[k]))
			w->lookups++;
	if (r->redirect)
		w->lookups++;
	if (w->lookups > max) {
		fail(w, SPF_PERMERROR, "more than %u DNS lookups (reached at %s)", max, r->domain);
		return;
	}
	for (size_t k = 0; k < r->n && w->st == SPF_OK; k++)
		issue_term(w, r, &r->terms[k]);
	if (r->redirect && w->st == SPF_OK)
		issue_term(w, r, r->redirect);
}

/* The answer to one A/AAAA query of an `a` term or an MX host. */
static void
on_addr(void *arg, const struct dns_reply *d)
{
	struct qarg *q = arg;
	struct walk *w = q->w;
	struct term *t = q->t;
	const char *name = q->host ? q->host : t->target ? t->target : q->r->domain;

	if (w->st != SPF_OK)
		return;
	if (dns_status_temp(d->status)) {
		fail(w, SPF_TEMPERROR, "%s for %s (%s)", dns_status_str(d->status), name,
		     dns_type_str(d->type));
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		int len = d->addr[i].fam == PFX_V4 ? t->c4 : t->c6;
		u128 hm = pfx_hostmask(d->addr[i].fam, len);
		u128 lo = d->addr[i].addr & ~hm;
		if (pset_add_range(t->set, d->addr[i].fam, lo, lo | hm) < 0) {
			fail(w, SPF_TEMPERROR, "out of memory");
			return;
		}
		q->any = true;
	}
	/* A receiver looks up one family only: a name is void for it when
	 * neither family has an address. */
	if (--q->fams_left == 0 && !q->any)
		add_void(w, name, q->host ? "MX host" : "a:");
}

static void
on_mx(void *arg, const struct dns_reply *d)
{
	struct qarg *q = arg;
	struct walk *w = q->w;
	struct term *t = q->t;
	const char *dom = t->target ? t->target : q->r->domain;
	unsigned max = w->o->max_mx ? w->o->max_mx : 10;

	if (w->st != SPF_OK)
		return;
	if (dns_status_temp(d->status)) {
		fail(w, SPF_TEMPERROR, "%s for %s (MX)", dns_status_str(d->status), dom);
		return;
	}
	if (dns_status_void(d->status) || d->status != DNS_OK) {
		add_void(w, dom, "mx:");
		return;
	}
	if (d->n > max) {
		fail(w, SPF_PERMERROR, "%s: \"%s\": more than %u MX names at %s", q->r->domain,
		     t->text, max, dom);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		/* A null MX (RFC 7505, ".") names no host. */
		if (!d->mx[i].host[0] || strcmp(d->mx[i].host, ".") == 0)
			continue;
		struct qarg *h = qarg_new(w);
		if (!h)
			return;
		h->t = t;
		h->r = q->r;
		h->fams_left = 2;
		h->host = strdup(d->mx[i].host);
		if (!h->host) {
			fail(w, SPF_TEMPERROR, "out of memory");
			return;
		}
		send_q(w, h, h->host, DNS_T_A, on_addr);
		send_q(w, h, h->host, DNS_T_AAAA, on_addr);
	}
}

/* ---- evaluating ---- */

static int
world(struct pset *s)
{
	if (pset_add_range(s, PFX_V4, 0, pfx_max(PFX_V4)) < 0 ||
	    pset_add_range(s, PFX_V6, 0, pfx_max(PFX_V6)) < 0)
		return -1;
	return pset_merge(s);
}

/* pset_add_set, skipping empty sets (nothing to copy). */
static int
add_set(struct pset *dst, const struct pset *src)
{
	return pset_total(src) ? pset_add_set(dst, src) : 0;
}

static void
sets_free(struct pset **s)
{
	for (int i = 0; i < Q_N; i++) {
		pset_free(s[i]);
		s[i] = NULL;
	}
}

/* m -= decided; out[q] += m; decided += m. */
static int
decide(struct pset **out, struct pset *decided, int q, struct pset *m)
{
	if (pset_merge(m) < 0 || pset_subtract(m, decided) < 0 ||
	    add_set(out[q], m) < 0 || pset_merge(out[q]) < 0 ||
	    add_set(decided, m) < 0 || pset_merge(decided) < 0)
		return -1;
	return 0;
}

/* The sets of addresses each qualifier decides in `r`.  0 or -1 (ENOMEM).
 * *passall is set to the record whose pass `all` reaches out[Q_PASS]
 * (it would allow the world); a `-include` of such a record does not. */
static int
eval(struct rec *r, struct pset **out, const struct rec **passall)
{
	const struct rec *sub_pa = NULL;
	struct pset *decided = pset_new();
	struct pset *m = NULL;
	struct pset *sub[Q_N] = {0};
	int rc = -1;

	for (int i = 0; i < Q_N; i++)
		if (!(out[i] = pset_new()))
			goto done;
	if (!decided)
		goto done;
	for (size_t k = 0; k < r->n; k++) {
		struct term *t = &r->terms[k];
		if (t->skip)
			continue;
		if (!(m = pset_new()))
			goto done;
		switch (t->m) {
		case M_ALL:
			if (world(m) < 0)
				goto done;
			break;
		case M_IP4:
		case M_IP6:
			if (pset_add_range(m, t->fam, t->lo, t->hi) < 0)
				goto done;
			break;
		case M_A:
		case M_MX:
			if (t->set && add_set(m, t->set) < 0)
				goto done;
			break;
		case M_INCLUDE:
			/* include matches where its target passes. */
			sub_pa = NULL;
			if (eval(t->child, sub, &sub_pa) < 0 || add_set(m, sub[Q_PASS]) < 0)
				goto done;
			sets_free(sub);
			break;
		default:
			break;
		}
		if (decide(out, decided, t->q, m) < 0)
			goto done;
		if (t->q == Q_PASS && pset_total(m) &&
		    (t->m == M_ALL || (t->m == M_INCLUDE && sub_pa)))
			*passall = t->m == M_ALL ? r : sub_pa;
		pset_free(m);
		m = NULL;
	}
	if (r->redirect && !r->redirect->skip) {
		/* What this record left undecided, its target decides. */
		sub_pa = NULL;
		if (eval(r->redirect->child, sub, &sub_pa) < 0)
			goto done;
		for (int i = 0; i < Q_N; i++)
			if (decide(out, decided, i, sub[i]) < 0)
				goto done;
		if (sub_pa && pset_total(sub[Q_PASS]))
			*passall = sub_pa;
		sets_free(sub);
	}
	rc = 0;
done:
	sets_free(sub);
	pset_free(m);
	pset_free(decided);
	if (rc < 0)
		sets_free(out);
	return rc;
}

static void
rec_free(struct rec *r)
{
	size_t n = r->n + (r->redirect ? 1 : 0);
	for (size_t k = 0; k < n; k++) {
		free(r->terms[k].target);
		free(r->terms[k].text);
		pset_free(r->terms[k].set);
	}
	free(r->terms);
	free(r->domain);
	free(r);
}

int
spf_expand(const char *domain, const struct spf_opts *o, const struct spf_resolver *rv,
	   struct spf_result *res, struct err *err)
{
	static const struct spf_opts defaults = {0};
	struct walk w = {.o = o ? o : &defaults, .rv = rv, .res = res, .err = err};
	struct pset *sets[Q_N] = {0};
	struct rec *top;

	res->status = SPF_OK;
	res->warning[0] = '\0';
	res->partial = false;
	res->none = false;
	res->lookups = res->voids = res->records = res->queries = res->depth = 0;

	top = rec_new(&w, domain, NULL, M_ALL);
	if (!top) {
		fail(&w, SPF_TEMPERROR, "out of memory");
		goto out;
	}
	lookup_record(&w, top);
	rv->run(rv->ctx);
	if (w.st == SPF_OK && !top->parsed)
		fail(&w, SPF_TEMPERROR, "%s: no answer", domain);
	if (w.st != SPF_OK)
		goto out;
	const struct rec *pa = NULL;
	if (eval(top, sets, &pa) < 0) {
		fail(&w, SPF_TEMPERROR, "out of memory");
		goto out;
	}
	if (pa) {
		fail(&w, SPF_REFUSED,
		     "%s: a pass \"all\" would allow the whole address space%s%s%s", pa->domain,
		     pa == top ? "" : " (reached from ", pa == top ? "" : domain,
		     pa == top ? "" : ")");
		goto out;
	}
	struct pset *dst[Q_N] = {res->pass, res->fail, res->softfail, res->neutral};
	for (int i = 0; i < Q_N; i++)
		if (dst[i] && (add_set(dst[i], sets[i]) < 0 || pset_merge(dst[i]) < 0)) {
			fail(&w, SPF_TEMPERROR, "out of memory");
			goto out;
		}
out:
	sets_free(sets);
	res->status = w.st;
	res->lookups = w.lookups;
	res->voids = w.voids;
	snprintf(res->warning, sizeof res->warning, "%s", w.warn);
	for (size_t i = 0; i < w.nrecs; i++)
		rec_free(w.recs[i]);
	free(w.recs);
	while (w.qargs) {
		struct qarg *n = w.qargs->next;
		free(w.qargs->host);
		free(w.qargs);
		w.qargs = n;
	}
	return w.st == SPF_OK ? 0 : -1;
}

bool
spf_domain_ok(const char *d)
{
	size_t n = strlen(d), lab = 0, labels = 0;

	if (n && d[n - 1] == '.')
		n--;
	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || d[i] == '.') {
			if (lab == 0 || lab > 63)
				return false;
			labels++;
			lab = 0;
			continue;
		}
		unsigned char c = (unsigned char)d[i];
		if (c <= 0x20 || c >= 0x7f)
			return false;
		lab++;
	}
	return labels >= 2;
}

/* ---- the production resolver ---- */

static int
dns_query_fn(void *ctx, const char *name, enum dns_type type, dns_cb cb, void *arg)
{
	return dns_query(ctx, name, type, cb, arg);
}

static int
dns_run_fn(void *ctx)
{
	return dns_run(ctx);
}

void
spf_resolver_dns(struct spf_resolver *r, struct dns *d)
{
	r->query = dns_query_fn;
	r->run = dns_run_fn;
	r->ctx = d;
}
