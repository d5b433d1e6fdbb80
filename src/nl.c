/* nl — nf_tables over netlink: socket, generation, set properties,
 * element dumps and paged transaction batches.
 *
 * Element attributes are written with libmnl directly rather than
 * through one nftnl_set_elem object per element: at a million ranges
 * that saves two million allocations, and the layout of every element
 * is then known, which lets an extended ACK's attribute offset be
 * mapped back to the range the kernel refused.
 */
#include "nl.h"

#include "pset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/common.h>
#include <libnftnl/gen.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif
#ifndef ERESTART
#define ERESTART 85
#endif

/* An attribute length is 16 bits: the element nest must stay below. */
#define NL_NEST_MAX 65535u
/* Largest message we build: one full element nest plus headers. */
#define NL_MSG_MAX (NL_NEST_MAX + 4096u)
/* The batch grows in pages of this size (one iovec each). */
#define NL_PAGE (1024u * 1024u)
/* Receive buffer for replies and dumps. */
#define NL_RECV_BUF (256u * 1024u)
/* How long to wait for the kernel's next reply before giving up. */
#define NL_TIMEOUT_MS (300 * 1000)

struct nl_sock {
	struct mnl_socket *mnl;
	uint32_t portid;
	uint32_t seq;
	uint64_t cookie;
	char *buf;
};

enum rec_kind { REC_TABLE, REC_SET, REC_FLUSH, REC_ADD, REC_DEL };

/* What one message of a batch is about, to explain an error on it. */
struct nl_rec {
	uint32_t seq;
	enum rec_kind kind;
	int family;
	enum pfx_family fam;
	char table[NFT_TABLE_MAXNAMELEN];
	char set[NFT_SET_MAXNAMELEN];
	const struct nl_range *r;  /* the ranges of this message */
	size_t n;
	uint32_t elem_off;         /* offset of the first element */
};

struct nl_batch {
	struct nftnl_batch *nb;
	uint32_t seq_begin;
	uint32_t seq;
	uint32_t set_id;
	size_t nmsgs;
	size_t bytes;
	bool ended;
	struct nl_rec *recs;
	size_t nrecs;
	size_t caprecs;
};

/* ---- small helpers ------------------------------------------------ */

static size_t
key_len(enum pfx_family fam)
{
	return fam == PFX_V4 ? 4 : 16;
}

static void
range_text(enum pfx_family fam, const struct nl_range *r, char *buf)
{
	struct pfx_range pr = { r->lo, r->hi };

	pfx_format_range(fam, &pr, buf);
}

bool
nl_name_valid(const char *s, enum nl_name_kind kind)
{
	bool netlink = kind == NL_NAME_NETLINK;
	size_t n = strlen(s);

	if (n == 0 || (netlink && n >= NFT_NAME_MAXLEN))
		return false;
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || (netlink && (c == '.' || c == '-'))))
			return false;
	}
	return true;
}

int
nl_family_parse(const char *name)
{
	if (strcmp(name, "inet") == 0)
		return NFPROTO_INET;
	if (strcmp(name, "ip") == 0)
		return NFPROTO_IPV4;
	if (strcmp(name, "ip6") == 0)
		return NFPROTO_IPV6;
	return -1;
}

const char *
nl_family_name(int family)
{
	switch (family) {
	case NFPROTO_INET:
		return "inet";
	case NFPROTO_IPV4:
		return "ip";
	case NFPROTO_IPV6:
		return "ip6";
	default:
		return "?";
	}
}

/* ---- ranges ------------------------------------------------------- */

void
nl_ranges_init(struct nl_ranges *r)
{
	r->v = NULL;
	r->n = 0;
	r->cap = 0;
}

void
nl_ranges_release(struct nl_ranges *r)
{
	if (r == NULL)
		return;
	free(r->v);
	nl_ranges_init(r);
}

int
nl_ranges_reserve(struct nl_ranges *r, size_t n)
{
	struct nl_range *v;

	if (r->cap - r->n >= n)
		return 0;
	v = realloc(r->v, (r->n + n) * sizeof(*v));
	if (v == NULL)
		return -1;
	r->v = v;
	r->cap = r->n + n;
	return 0;
}

int
nl_ranges_append(struct nl_ranges *r, const struct nl_range *x)
{
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct nl_range *v = realloc(r->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = *x;
	return 0;
}

int
nl_ranges_push(struct nl_ranges *r, enum pfx_family fam, u128 lo, u128 hi)
{
	struct nl_range x = { lo, hi, hi != pfx_max(fam), false };

	return nl_ranges_append(r, &x);
}

/* A read position in an nl_seq, so that one walk reads lists and sets
 * alike.  It holds the bounds only: a set's interval is built whole when
 * it goes to `add` or `del`, a few in a hundred. */
struct cursor {
	const struct nl_range *v; /* a list's intervals; NULL: */
	const struct pset *set;   /* a merged set's ranges */
	enum pfx_family fam;
	size_t i;
	size_t n;
	struct pfx_range r; /* bounds of the i-th interval, while i < n */
};

/* inline, so that pset_get's result lands in the walk's own cursor: a
 * copy through a temporary (16-byte loads of what pset_get stored in
 * 8-byte halves) stalls store forwarding twice per interval; it made the
 * walk of two 100k-range sets take 1.4 ms instead of 0.4. */
static inline void
cursor_load(struct cursor *c)
{
	if (c->i >= c->n)
		return;
	if (c->v)
		c->r = (struct pfx_range){ c->v[c->i].lo, c->v[c->i].hi };
	else
		c->r = pset_get(c->set, c->fam, c->i);
}

static inline void
cursor_init(struct cursor *c, enum pfx_family fam, struct nl_seq seq)
{
	c->v = seq.list ? seq.list->v : NULL;
	c->set = seq.set;
	c->fam = fam;
	c->i = 0;
	c->n = seq.list ? seq.list->n : pset_count(seq.set, fam);
	c->r = (struct pfx_range){ 0, 0 };
	cursor_load(c);
}

static inline void
cursor_next(struct cursor *c)
{
	c->i++;
	cursor_load(c);
}

/* Are the kernel's elements of this interval the canonical ones (a
 * start, and an end unless it runs to the top)?  A set's always are. */
static bool
cursor_canonical(const struct cursor *c)
{
	const struct nl_range *x = c->v ? &c->v[c->i] : NULL;

	return !x || (!x->stray && x->has_end == (x->hi != pfx_max(c->fam)));
}

/* Append the interval with its elements: a list's as they are. */
static int
cursor_append(const struct cursor *c, struct nl_ranges *to)
{
	if (c->v)
		return nl_ranges_append(to, &c->v[c->i]);
	return nl_ranges_push(to, c->fam, c->r.lo, c->r.hi);
}

int
nl_ranges_delta(enum pfx_family fam, struct nl_seq live, struct nl_seq want,
		struct nl_ranges *add, struct nl_ranges *del, size_t *keep)
{
	struct cursor l, w;
	size_t kept = 0;

	cursor_init(&l, fam, live);
	cursor_init(&w, fam, want);
	/* One merge-like walk, both in address order.  Kept: the same
	 * bounds, and the live elements are the ones `want` (canonical)
	 * would add.  At equal starts a live interval that is not identical
	 * goes first: it is deleted, and the wanted one is then added on
	 * its own. */
	while (w.i < w.n || l.i < l.n) {
		int r;

		if (w.i < w.n && l.i < l.n && l.r.lo == w.r.lo && l.r.hi == w.r.hi &&
		    cursor_canonical(&l)) {
			kept++;
			cursor_next(&l);
			cursor_next(&w);
			continue;
		}
		if (l.i < l.n && (w.i >= w.n || l.r.lo <= w.r.lo)) {
			r = cursor_append(&l, del);
			cursor_next(&l);
		} else {
			r = cursor_append(&w, add);
			cursor_next(&w);
		}
		if (r < 0)
			return -1;
	}
	*keep = kept;
	return 0;
}

static int
elem_cmp(const void *a, const void *b)
{
	const struct nl_elem *x = a, *y = b;

	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	/* At one key an end closes the previous interval before a start
	 * opens the next: adjacent intervals another tool left behind. */
	bool xe = x->flags & NFT_SET_ELEM_INTERVAL_END;
	bool ye = y->flags & NFT_SET_ELEM_INTERVAL_END;
	return (int)ye - (int)xe;
}

int
nl_elems_to_ranges(enum pfx_family fam, struct nl_elem *e, size_t n, struct nl_ranges *out)
{
	if (n > 1)  /* an empty dump has no array at all */
		qsort(e, n, sizeof(*e), elem_cmp);
	for (size_t i = 0; i < n;) {
		struct nl_range x;

		if (e[i].flags & NFT_SET_ELEM_INTERVAL_END) {
			x = (struct nl_range){ e[i].key, e[i].key, true, true };
			i++;
		} else if (i + 1 < n && (e[i + 1].flags & NFT_SET_ELEM_INTERVAL_END)) {
			x = (struct nl_range){ e[i].key, e[i + 1].key - 1, true, false };
			i += 2;
		} else if (i + 1 < n) {
			/* A start without its end: the interval runs into the
			 * next one; it must be deleted by its start alone. */
			x = (struct nl_range){ e[i].key, e[i + 1].key - 1, false, false };
			i++;
		} else {
			x = (struct nl_range){ e[i].key, pfx_max(fam), false, false };
			i++;
		}
		if (nl_ranges_append(out, &x) < 0)
			return -1;
	}
	return 0;
}

/* ---- socket ------------------------------------------------------- */

/* Returns -e, for `return errno_reason(errno, …)`. */
static int
errno_reason(int e, const char *what, struct err *err)
{
	if (e == EPERM)
		err_set(err, "needs CAP_NET_ADMIN (%s: %s)", what, strerror(e));
	else
		err_errno(err, e, "%s", what);
	return -e;
}

static void
raise_buf(int fd, int force_opt, int opt, size_t want)
{
	int cur = 0;
	socklen_t len = sizeof(cur);
	int v = want > (size_t)(1 << 30) ? 1 << 30 : (int)want;

	/* The kernel reports twice what was set; compare like with like. */
	if (getsockopt(fd, SOL_SOCKET, opt, &cur, &len) == 0 && cur / 2 >= v)
		return;
	/* FORCE ignores rmem_max/wmem_max but needs CAP_NET_ADMIN; the
	 * plain option is capped by the sysctl. */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &v, sizeof(v)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v));
}

int
nl_open(struct nl_sock **out, struct err *err)
{
	struct nl_sock *s;
	int one = 1, fd, e = ENOMEM;
	socklen_t len;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		goto fail_nomem;
	s->buf = malloc(NL_RECV_BUF);
	if (s->buf == NULL) {
		err_set(err, "out of memory");
		goto fail_free;
	}
	s->mnl = mnl_socket_open(NETLINK_NETFILTER);
	if (s->mnl == NULL) {
		e = errno;
		errno_reason(e, "netlink socket", err);
		goto fail_buf;
	}
	if (mnl_socket_bind(s->mnl, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		errno_reason(e, "netlink bind", err);
		goto fail_sock;
	}
	fd = mnl_socket_get_fd(s->mnl);
	/* Errors then carry the kernel's reason and the offending
	 * attribute, and no copy of our 64 KiB request. */
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	len = sizeof(s->cookie);
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &s->cookie, &len) < 0)
		s->cookie = 0;
	s->portid = mnl_socket_get_portid(s->mnl);
	s->seq = (uint32_t)time(NULL);
	*out = s;
	return 0;

fail_sock:
	mnl_socket_close(s->mnl);
fail_buf:
	free(s->buf);
fail_free:
	free(s);
	return -e;
fail_nomem:
	err_set(err, "out of memory");
	return -ENOMEM;
}

void
nl_close(struct nl_sock *s)
{
	if (s == NULL)
		return;
	mnl_socket_close(s->mnl);
	free(s->buf);
	free(s);
}

uint64_t
nl_netns_cookie(const struct nl_sock *s)
{
	return s->cookie;
}

static int
wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&p, 1, NL_TIMEOUT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

/* Send one request and run cb over the replies until the ACK or the
 * end of the dump. */
static int
talk(struct nl_sock *s, struct nlmsghdr *nlh, mnl_cb_t cb, void *data, const char *what,
     struct err *err)
{
	int fd = mnl_socket_get_fd(s->mnl);
	uint32_t seq = nlh->nlmsg_seq;
	ssize_t n;
	int r;

	if (mnl_socket_sendto(s->mnl, nlh, nlh->nlmsg_len) < 0) {
		return errno_reason(errno, what, err);
	}
	for (;;) {
		if (wait_readable(fd) < 0) {
			return errno_reason(errno, what, err);
		}
		n = mnl_socket_recvfrom(s->mnl, s->buf, NL_RECV_BUF);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno_reason(errno, what, err);
		}
		errno = 0;
		r = mnl_cb_run(s->buf, (size_t)n, seq, s->portid, cb, data);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0) {
			int e = errno ? errno : EPROTO;

			errno_reason(e, what, err);
			return -e;
		}
	}
}

static int
gen_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nftnl_gen *g = nftnl_gen_alloc();
	uint32_t *gen = data;

	if (g == NULL)
		return MNL_CB_ERROR;
	if (nftnl_gen_nlmsg_parse(nlh, g) == 0 && nftnl_gen_is_set(g, NFTNL_GEN_ID))
		*gen = nftnl_gen_get_u32(g, NFTNL_GEN_ID);
	nftnl_gen_free(g);
	return MNL_CB_OK;
}

int
nl_getgen(struct nl_sock *s, uint32_t *gen, struct err *err)
{
	char buf[256];
	struct nlmsghdr *nlh;

	*gen = 0;
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETGEN, AF_UNSPEC, NLM_F_ACK, ++s->seq);
	return talk(s, nlh, gen_cb, gen, "reading the ruleset generation", err);
}

static int
noop_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return MNL_CB_OK;
}

int
nl_get_table(struct nl_sock *s, int family, const char *table, struct err *err)
{
	char buf[512];
	struct nlmsghdr *nlh;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, (uint16_t)family, NLM_F_ACK, ++s->seq);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, table);
	return talk(s, nlh, noop_cb, NULL, "reading the table", err);
}

static int
set_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_setinfo *info = data;
	struct nftnl_set *set = nftnl_set_alloc();

	if (set == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_nlmsg_parse(nlh, set) == 0) {
		info->flags = nftnl_set_get_u32(set, NFTNL_SET_FLAGS);
		info->key_type = nftnl_set_get_u32(set, NFTNL_SET_KEY_TYPE);
		info->key_len = nftnl_set_get_u32(set, NFTNL_SET_KEY_LEN);
		info->size = nftnl_set_is_set(set, NFTNL_SET_DESC_SIZE)
				     ? nftnl_set_get_u32(set, NFTNL_SET_DESC_SIZE)
				     : 0;
		info->handle = nftnl_set_get_u64(set, NFTNL_SET_HANDLE);
	}
	nftnl_set_free(set);
	return MNL_CB_OK;
}

int
nl_get_set(struct nl_sock *s, int family, const char *table, const char *set,
	   struct nl_setinfo *info, struct err *err)
{
	char buf[512];
	struct nlmsghdr *nlh;

	memset(info, 0, sizeof(*info));
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSET, (uint16_t)family, NLM_F_ACK, ++s->seq);
	mnl_attr_put_strz(nlh, NFTA_SET_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_NAME, set);
	return talk(s, nlh, set_cb, info, "reading the set", err);
}

struct dump_ctx {
	enum pfx_family fam;
	struct nl_elem *e;
	size_t n;
	size_t cap;
	int bad;  /* 0, or the errno that makes the dump unusable */
};

static int
dump_elem(struct dump_ctx *d, const struct nlattr *elem)
{
	struct nlattr *a;
	const struct nlattr *key = NULL;
	uint32_t flags = 0;

	mnl_attr_for_each_nested(a, elem) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_KEY:
			key = a;
			break;
		case NFTA_SET_ELEM_FLAGS:
			if (mnl_attr_get_payload_len(a) == 4)
				flags = ntohl(mnl_attr_get_u32(a));
			break;
		default:
			break;
		}
	}
	if (flags & NFT_SET_ELEM_CATCHALL) {
		d->bad = EDOM;  /* matches every address: never ours */
		return 0;
	}
	if (key == NULL)
		return 0;
	mnl_attr_for_each_nested(a, key) {
		if (mnl_attr_get_type(a) != NFTA_DATA_VALUE)
			continue;
		if (mnl_attr_get_payload_len(a) != key_len(d->fam)) {
			d->bad = EPROTOTYPE;
			return 0;
		}
		if (d->n == d->cap) {
			size_t cap = d->cap ? d->cap * 2 : 1024;
			struct nl_elem *v = realloc(d->e, cap * sizeof(*v));

			if (v == NULL)
				return -1;
			d->e = v;
			d->cap = cap;
		}
		d->e[d->n].key = pfx_addr_from_bytes(d->fam, mnl_attr_get_payload(a));
		d->e[d->n].flags = flags;
		d->n++;
	}
	return 0;
}

static int
dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nlattr *a, *e;

	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS)
			continue;
		mnl_attr_for_each_nested(e, a) {
			if (dump_elem(d, e) < 0)
				return MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

int
nl_dump_ranges(struct nl_sock *s, int family, const char *table, const char *set,
	       enum pfx_family fam, struct nl_ranges *out, struct err *err)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct dump_ctx d = { .fam = fam };
	int r;

	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, (uint16_t)family,
				    NLM_F_DUMP | NLM_F_ACK, ++s->seq);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	r = talk(s, nlh, dump_cb, &d, "dumping the set", err);
	if (r == 0 && d.bad == EDOM) {
		err_set(err, "holds a catch-all element");
		r = -EDOM;
	} else if (r == 0 && d.bad) {
		err_set(err, "holds elements of another key length");
		r = -EPROTOTYPE;
	}
	if (r == 0 && nl_elems_to_ranges(fam, d.e, d.n, out) < 0) {
		err_set(err, "out of memory");
		r = -ENOMEM;
	}
	free(d.e);
	return r;
}

/* ---- batches ------------------------------------------------------ */

static struct nl_rec *
rec_new(struct nl_batch *b, enum rec_kind kind, int family, const char *table,
	const char *set)
{
	struct nl_rec *r;

	if (b->nrecs == b->caprecs) {
		size_t cap = b->caprecs ? b->caprecs * 2 : 16;
		struct nl_rec *v = realloc(b->recs, cap * sizeof(*v));

		if (v == NULL)
			return NULL;
		b->recs = v;
		b->caprecs = cap;
	}
	r = &b->recs[b->nrecs++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	r->family = family;
	snprintf(r->table, sizeof(r->table), "%s", table);
	snprintf(r->set, sizeof(r->set), "%s", set ? set : "");
	return r;
}

/* Account for the message just written and move past it. */
static int
msg_done(struct nl_batch *b, const struct nlmsghdr *nlh, bool counted)
{
	b->bytes += nlh->nlmsg_len;
	if (counted)
		b->nmsgs++;
	/* Only fails when a new page cannot be allocated. */
	return nftnl_batch_update(b->nb) < 0 ? -ENOMEM : 0;
}

struct nl_batch *
nl_batch_new(uint32_t seq, uint32_t genid)
{
	struct nl_batch *b = calloc(1, sizeof(*b));
	struct nlmsghdr *nlh;

	if (b == NULL)
		return NULL;
	b->nb = nftnl_batch_alloc(NL_PAGE, NL_MSG_MAX);
	if (b->nb == NULL) {
		free(b);
		return NULL;
	}
	b->seq_begin = seq;
	b->seq = seq;
	nlh = nftnl_batch_begin(nftnl_batch_buffer(b->nb), b->seq++);
	/* The kernel refuses the batch with ERESTART if any commit
	 * happened since the generation our view was read at. */
	if (genid != 0)
		mnl_attr_put_u32(nlh, NFNL_BATCH_GENID, htonl(genid));
	if (msg_done(b, nlh, false) < 0) {
		nl_batch_free(b);
		return NULL;
	}
	return b;
}

void
nl_batch_free(struct nl_batch *b)
{
	if (b == NULL)
		return;
	nftnl_batch_free(b->nb);
	free(b->recs);
	free(b);
}

int
nl_batch_add_table(struct nl_batch *b, int family, const char *table)
{
	struct nftnl_table *t;
	struct nlmsghdr *nlh;
	struct nl_rec *rec;

	if (b->ended)
		return -EINVAL;
	rec = rec_new(b, REC_TABLE, family, table, NULL);
	t = nftnl_table_alloc();
	if (rec == NULL || t == NULL) {
		if (t != NULL)  /* libnftnl's free does not take NULL */
			nftnl_table_free(t);
		return -ENOMEM;
	}
	rec->seq = b->seq;
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	/* NLM_F_CREATE without EXCL: an existing table is kept as is. */
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), NFT_MSG_NEWTABLE, (uint16_t)family,
				    NLM_F_CREATE | NLM_F_ACK, b->seq++);
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	return msg_done(b, nlh, true);
}

int
nl_batch_add_set(struct nl_batch *b, int family, const char *table, const char *set,
		 enum pfx_family fam)
{
	struct nftnl_set *s;
	struct nlmsghdr *nlh;
	struct nl_rec *rec;

	if (b->ended)
		return -EINVAL;
	rec = rec_new(b, REC_SET, family, table, set);
	s = nftnl_set_alloc();
	if (rec == NULL || s == NULL) {
		if (s != NULL)
			nftnl_set_free(s);
		return -ENOMEM;
	}
	rec->seq = b->seq;
	rec->fam = fam;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, set);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, (uint32_t)family);
	nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_INTERVAL);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, fam == PFX_V4 ? NL_KEY_IPV4 : NL_KEY_IPV6);
	nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, (uint32_t)key_len(fam));
	nftnl_set_set_u32(s, NFTNL_SET_ID, ++b->set_id);
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), NFT_MSG_NEWSET, (uint16_t)family,
				    NLM_F_CREATE | NLM_F_ACK, b->seq++);
	nftnl_set_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	return msg_done(b, nlh, true);
}

int
nl_batch_flush_set(struct nl_batch *b, int family, const char *table, const char *set)
{
	struct nlmsghdr *nlh;
	struct nl_rec *rec;

	if (b->ended)
		return -EINVAL;
	rec = rec_new(b, REC_FLUSH, family, table, set);
	if (rec == NULL)
		return -ENOMEM;
	rec->seq = b->seq;
	/* DELSETELEM without an element list deletes every element. */
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), NFT_MSG_DELSETELEM,
				    (uint16_t)family, NLM_F_ACK, b->seq++);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
	mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
	return msg_done(b, nlh, true);
}

static size_t
elem_size(enum pfx_family fam, bool end)
{
	/* LIST_ELEM nest, KEY nest, DATA_VALUE attr, FLAGS attr on ends. */
	size_t n = 4 + 4 + 4 + key_len(fam);

	return end ? n + 8 : n;
}

static void
put_elem(struct nlmsghdr *nlh, enum pfx_family fam, u128 key, bool end)
{
	uint8_t k[16];
	struct nlattr *le, *kn;

	pfx_addr_to_bytes(fam, key, k);
	le = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);
	kn = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_KEY);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, key_len(fam), k);
	mnl_attr_nest_end(nlh, kn);
	if (end)
		mnl_attr_put_u32(nlh, NFTA_SET_ELEM_FLAGS, htonl(NFT_SET_ELEM_INTERVAL_END));
	mnl_attr_nest_end(nlh, le);
}

/* Bytes the elements of one range take. */
static size_t
range_size(enum pfx_family fam, const struct nl_range *r)
{
	if (r->stray)
		return elem_size(fam, true);
	return elem_size(fam, false) + (r->has_end ? elem_size(fam, true) : 0);
}

static void
put_range(struct nlmsghdr *nlh, enum pfx_family fam, const struct nl_range *r)
{
	if (r->stray) {
		put_elem(nlh, fam, r->lo, true);
		return;
	}
	put_elem(nlh, fam, r->lo, false);
	if (r->has_end)
		put_elem(nlh, fam, r->hi + 1, true);
}

static int
batch_ranges(struct nl_batch *b, enum rec_kind kind, int family, const char *table,
	     const char *set, enum pfx_family fam, const struct nl_range *r, size_t n)
{
	size_t i = 0;

	if (b->ended)
		return -EINVAL;
	while (i < n) {
		struct nlmsghdr *nlh;
		struct nlattr *nest;
		struct nl_rec *rec = rec_new(b, kind, family, table, set);
		size_t first = i;
		uint16_t type = kind == REC_ADD ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM;
		/* EXCL: adding what is already there means our view of the
		 * set was wrong; better refuse the batch than guess. */
		uint16_t flags = kind == REC_ADD ? NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK : NLM_F_ACK;

		if (rec == NULL)
			return -ENOMEM;
		rec->seq = b->seq;
		rec->fam = fam;
		rec->r = r + first;
		nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), type, (uint16_t)family,
					    flags, b->seq++);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_TABLE, table);
		mnl_attr_put_strz(nlh, NFTA_SET_ELEM_LIST_SET, set);
		nest = mnl_attr_nest_start(nlh, NFTA_SET_ELEM_LIST_ELEMENTS);
		rec->elem_off = (uint32_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nlh);
		while (i < n) {
			size_t used = (size_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest);

			if (used + range_size(fam, &r[i]) > NL_NEST_MAX)
				break;
			put_range(nlh, fam, &r[i]);
			i++;
		}
		mnl_attr_nest_end(nlh, nest);
		rec->n = i - first;
		if (msg_done(b, nlh, true) < 0)
			return -ENOMEM;
	}
	return 0;
}

int
nl_batch_add_ranges(struct nl_batch *b, int family, const char *table, const char *set,
		    enum pfx_family fam, const struct nl_range *r, size_t n)
{
	return batch_ranges(b, REC_ADD, family, table, set, fam, r, n);
}

int
nl_batch_del_ranges(struct nl_batch *b, int family, const char *table, const char *set,
		    enum pfx_family fam, const struct nl_range *r, size_t n)
{
	return batch_ranges(b, REC_DEL, family, table, set, fam, r, n);
}

/* A flushed set must get elements back later in the same batch. */
static bool
flush_refilled(const struct nl_batch *b, size_t flush)
{
	const struct nl_rec *f = &b->recs[flush];

	for (size_t i = flush + 1; i < b->nrecs; i++) {
		const struct nl_rec *r = &b->recs[i];

		if (r->kind == REC_ADD && r->n > 0 && r->family == f->family &&
		    strcmp(r->table, f->table) == 0 && strcmp(r->set, f->set) == 0)
			return true;
	}
	return false;
}

int
nl_batch_end(struct nl_batch *b)
{
	struct nlmsghdr *nlh;

	if (b->ended)
		return -EINVAL;
	for (size_t i = 0; i < b->nrecs; i++)
		if (b->recs[i].kind == REC_FLUSH && !flush_refilled(b, i))
			return -EINVAL;
	nlh = nftnl_batch_end(nftnl_batch_buffer(b->nb), b->seq++);
	b->ended = true;
	return msg_done(b, nlh, false);
}

size_t
nl_batch_msgs(const struct nl_batch *b)
{
	return b->nmsgs;
}

size_t
nl_batch_bytes(const struct nl_batch *b)
{
	return b->bytes;
}

static struct iovec *
batch_iov(const struct nl_batch *b, int *n)
{
	struct nftnl_batch *nb = b->nb;
	struct iovec *iov;

	*n = nftnl_batch_iovec_len(nb);
	iov = calloc((size_t)*n, sizeof(*iov));
	if (iov != NULL)
		nftnl_batch_iovec(nb, iov, (uint32_t)*n);
	return iov;
}

int
nl_batch_each(const struct nl_batch *b, nl_msg_fn fn, void *ctx)
{
	struct iovec *iov;
	int n, r = 0;

	iov = batch_iov(b, &n);
	if (iov == NULL)
		return -ENOMEM;
	for (int i = 0; i < n && r == 0; i++) {
		const struct nlmsghdr *nlh = iov[i].iov_base;
		int len = (int)iov[i].iov_len;

		while (r == 0 && mnl_nlmsg_ok(nlh, len)) {
			r = fn(ctx, nlh, nlh->nlmsg_len);
			nlh = mnl_nlmsg_next(nlh, &len);
		}
	}
	free(iov);
	return r;
}

static const struct nl_rec *
rec_find(const struct nl_batch *b, uint32_t seq)
{
	/* Records are in sequence order, one per numbered message. */
	size_t lo = 0, hi = b->nrecs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (b->recs[mid].seq == seq)
			return &b->recs[mid];
		if (b->recs[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The range whose elements contain byte `off` of the message. */
static const struct nl_range *
rec_range_at(const struct nl_rec *rec, uint32_t off)
{
	size_t pos = rec->elem_off;

	if (off < pos)
		return NULL;
	for (size_t i = 0; i < rec->n; i++) {
		pos += range_size(rec->fam, &rec->r[i]);
		if (off < pos)
			return &rec->r[i];
	}
	return NULL;
}

static void
describe(const struct nl_batch *b, uint32_t seq, int e, const char *msg, uint32_t off,
	 struct err *err)
{
	const struct nl_rec *rec = rec_find(b, seq);
	char what[256], el[PFX_TEXT_MAX + 16] = "";
	const char *fname;

	if (rec == NULL) {
		snprintf(what, sizeof(what), "transaction");
	} else {
		fname = nl_family_name(rec->family);
		switch (rec->kind) {
		case REC_TABLE:
			snprintf(what, sizeof(what), "creating table %s %.64s", fname, rec->table);
			break;
		case REC_SET:
			snprintf(what, sizeof(what), "creating set %s %.64s %.64s", fname, rec->table,
				 rec->set);
			break;
		case REC_FLUSH:
			snprintf(what, sizeof(what), "flushing set %s %.64s %.64s", fname, rec->table,
				 rec->set);
			break;
		case REC_ADD:
		case REC_DEL:
			snprintf(what, sizeof(what), "%s %zu ranges %s set %s %.64s %.64s",
				 rec->kind == REC_ADD ? "adding" : "deleting", rec->n,
				 rec->kind == REC_ADD ? "to" : "from", fname, rec->table, rec->set);
			if (off != 0) {
				const struct nl_range *r = rec_range_at(rec, off);
				char t[PFX_TEXT_MAX];

				if (r != NULL) {
					range_text(rec->fam, r, t);
					snprintf(el, sizeof(el), " (at %s)", t);
				}
			}
			break;
		}
	}
	if (e == EPERM)
		err_set(err, "needs CAP_NET_ADMIN (%s: %s)", what, strerror(e));
	else
		err_set(err, "%.250s: %s%s%s%.100s", what, strerror(e), el, msg && *msg ? ": " : "",
			msg ? msg : "");
}

struct ack_state {
	size_t acks;       /* ACKs or errors seen for numbered messages */
	bool batch_error;  /* the BEGIN itself was refused */
	int err;           /* first error */
	uint32_t err_seq;
	char msg[256];
	uint32_t off;
};

static void
ack_parse(const struct nl_batch *b, const struct nlmsghdr *nlh, struct ack_state *st)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t hdr;
	struct nlattr *a;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
		return;
	if (nlh->nlmsg_seq == b->seq_begin)
		st->batch_error = true;
	else
		st->acks++;
	if (e->error == 0 || st->err != 0)
		return;
	st->err = -e->error;
	st->err_seq = nlh->nlmsg_seq;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* The TLVs follow the echoed request: only its header when capped. */
	hdr = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		hdr += e->msg.nlmsg_len - sizeof(e->msg);
	mnl_attr_for_each(a, nlh, hdr) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(st->msg, sizeof(st->msg), "%.*s",
				 (int)mnl_attr_get_payload_len(a),
				 (const char *)mnl_attr_get_payload(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			st->off = mnl_attr_get_u32(a);
			break;
		default:
			break;
		}
	}
}

int
nl_batch_send(struct nl_sock *s, struct nl_batch *b, struct err *err)
{
	int fd = mnl_socket_get_fd(s->mnl);
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct msghdr mh = { 0 };
	struct ack_state st = { 0 };
	struct iovec *iov;
	int niov;
	ssize_t n;

	if (!b->ended) {
		err_set(err, "batch not ended");
		return -EINVAL;
	}
	iov = batch_iov(b, &niov);
	if (iov == NULL) {
		err_set(err, "out of memory");
		return -ENOMEM;
	}
	/* The whole transaction must fit in one send, and every ACK in
	 * the receive queue: the kernel sends them all after the commit. */
	raise_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, b->bytes + 65536);
	raise_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, (b->nmsgs + 16) * 4096);
	mh.msg_name = &kernel;
	mh.msg_namelen = sizeof(kernel);
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)niov;
	n = sendmsg(fd, &mh, 0);
	free(iov);
	if (n < 0) {
		return errno_reason(errno, "sending the transaction", err);
	}
	while (st.acks < b->nmsgs && !st.batch_error) {
		const struct nlmsghdr *nlh;
		int len;

		if (wait_readable(fd) < 0) {
			return errno_reason(errno, "waiting for the kernel's answer", err);
		}
		n = recv(fd, s->buf, NL_RECV_BUF, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* ENOBUFS: ACKs were lost; the caller must find out
			 * from the generation whether the batch committed. */
			return errno_reason(errno, "reading the kernel's answer", err);
		}
		nlh = (const struct nlmsghdr *)s->buf;
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_pid == s->portid)
				ack_parse(b, nlh, &st);
		}
	}
	if (st.err == ERESTART && st.batch_error) {
		err_set(err, "ruleset changed while the update was prepared");
		return -ERESTART;
	}
	if (st.err != 0) {
		describe(b, st.err_seq, st.err, st.msg, st.off, err);
		return -st.err;
	}
	return 0;
}
