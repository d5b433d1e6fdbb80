/* Unit tests: nl — the batch builder, checked without a kernel by
 * decoding every message it produces (BEGIN/END, generation, element
 * pairs and flags, paging under the 64 KiB nest limit, the flush-only
 * guard), and the element → interval reconstruction of dumps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nl.h"
#include "pset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXE 200000

/* Everything decoded from one batch. */
struct decoded {
	size_t nmsg;
	uint16_t type[4096];   /* nfnetlink message type (subsys stripped) */
	uint16_t flags[4096];
	uint32_t seq[4096];
	int family[4096];
	size_t first_elem[4096]; /* index into e[] of the message's first element */
	size_t nelem_msg[4096];
	bool has_list[4096];
	bool genid_present;
	uint32_t genid;
	uint16_t begin_res_id;
	char table[64];
	char set[64];
	size_t nelem;
	u128 key[MAXE];
	bool end[MAXE];
	size_t max_nest;
	struct nftnl_set *newset;   /* the NEWSET decoded, if any */
	struct nftnl_table *newtable;
};

static u128
key_of(const struct nlattr *data)
{
	const uint8_t *p = mnl_attr_get_payload(data);
	u128 v = 0;

	for (uint16_t i = 0; i < mnl_attr_get_payload_len(data); i++)
		v = (v << 8) | p[i];
	return v;
}

static void
decode_elems(struct decoded *d, const struct nlattr *list)
{
	struct nlattr *el, *a, *k;

	if (mnl_attr_get_len(list) > d->max_nest)
		d->max_nest = mnl_attr_get_len(list);
	mnl_attr_for_each_nested(el, list) {
		bool end = false, got = false;

		assert_int_equal(mnl_attr_get_type(el), NFTA_LIST_ELEM);
		mnl_attr_for_each_nested(a, el) {
			if (mnl_attr_get_type(a) == NFTA_SET_ELEM_FLAGS) {
				uint32_t f = ntohl(mnl_attr_get_u32(a));

				assert_int_equal(f, NFT_SET_ELEM_INTERVAL_END);
				end = true;
			} else if (mnl_attr_get_type(a) == NFTA_SET_ELEM_KEY) {
				mnl_attr_for_each_nested(k, a) {
					assert_int_equal(mnl_attr_get_type(k), NFTA_DATA_VALUE);
					assert_true(d->nelem < MAXE);
					d->key[d->nelem] = key_of(k);
					got = true;
				}
			}
		}
		assert_true(got);
		d->end[d->nelem++] = end;
	}
}

static int
decode_cb(void *ctx, const void *msg, size_t len)
{
	struct decoded *d = ctx;
	const struct nlmsghdr *nlh = msg;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct nlattr *a;
	size_t i = d->nmsg++;

	assert_true(i < 4096);
	assert_int_equal(len, nlh->nlmsg_len);
	d->seq[i] = nlh->nlmsg_seq;
	d->flags[i] = nlh->nlmsg_flags;
	d->family[i] = g->nfgen_family;
	d->first_elem[i] = d->nelem;
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN || nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
		d->type[i] = nlh->nlmsg_type;
		if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
			d->begin_res_id = ntohs(g->res_id);
			mnl_attr_for_each(a, nlh, sizeof(*g)) {
				if (mnl_attr_get_type(a) == NFNL_BATCH_GENID) {
					d->genid_present = true;
					d->genid = ntohl(mnl_attr_get_u32(a));
				}
			}
		}
		return 0;
	}
	assert_int_equal(nlh->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
	d->type[i] = nlh->nlmsg_type & 0xff;
	if (d->type[i] == NFT_MSG_NEWSET) {
		d->newset = nftnl_set_alloc();
		assert_int_equal(nftnl_set_nlmsg_parse(nlh, d->newset), 0);
		return 0;
	}
	if (d->type[i] == NFT_MSG_NEWTABLE) {
		d->newtable = nftnl_table_alloc();
		assert_int_equal(nftnl_table_nlmsg_parse(nlh, d->newtable), 0);
		return 0;
	}
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		switch (mnl_attr_get_type(a)) {
		case NFTA_SET_ELEM_LIST_TABLE:
			snprintf(d->table, sizeof(d->table), "%s", mnl_attr_get_str(a));
			break;
		case NFTA_SET_ELEM_LIST_SET:
			snprintf(d->set, sizeof(d->set), "%s", mnl_attr_get_str(a));
			break;
		case NFTA_SET_ELEM_LIST_ELEMENTS:
			d->has_list[i] = true;
			decode_elems(d, a);
			break;
		default:
			fail_msg("unexpected attribute %u", mnl_attr_get_type(a));
		}
	}
	d->nelem_msg[i] = d->nelem - d->first_elem[i];
	return 0;
}

static struct decoded *
decode(struct nl_batch *b)
{
	struct decoded *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	assert_int_equal(nl_batch_each(b, decode_cb, d), 0);
	return d;
}

static void
decoded_free(struct decoded *d)
{
	/* libnftnl's free functions do not accept NULL. */
	if (d->newset)
		nftnl_set_free(d->newset);
	if (d->newtable)
		nftnl_table_free(d->newtable);
	free(d);
}

/* Checks every batch must pass: BEGIN first, END last, consecutive
 * sequence numbers, ACK requested on every message in between. */
static void
check_frame(const struct decoded *d, const struct nl_batch *b, uint32_t seq0)
{
	assert_true(d->nmsg >= 2);
	assert_int_equal(d->type[0], NFNL_MSG_BATCH_BEGIN);
	assert_int_equal(d->begin_res_id, NFNL_SUBSYS_NFTABLES);
	assert_int_equal(d->type[d->nmsg - 1], NFNL_MSG_BATCH_END);
	assert_int_equal(nl_batch_msgs(b), d->nmsg - 2);
	for (size_t i = 0; i < d->nmsg; i++) {
		assert_int_equal(d->seq[i], seq0 + i);
		if (i > 0 && i + 1 < d->nmsg)
			assert_true(d->flags[i] & NLM_F_ACK);
	}
}

static void
test_add_pages_pairs(void **state)
{
	enum { N = 20000 };
	struct nl_ranges r;
	struct nl_batch *b;
	struct decoded *d;
	size_t e = 0;

	(void)state;
	nl_ranges_init(&r);
	for (u128 i = 0; i < N; i++)
		assert_int_equal(nl_ranges_push(&r, PFX_V4, 0x0a000000 + i * 4, 0x0a000000 + i * 4 + 1), 0);
	b = nl_batch_new(100, 77);
	assert_non_null(b);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_INET, "filter", "allowsync4", PFX_V4, r.v, r.n), 0);
	assert_int_equal(nl_batch_end(b), 0);
	d = decode(b);
	check_frame(d, b, 100);
	assert_true(d->genid_present);
	assert_int_equal(d->genid, 77);
	assert_string_equal(d->table, "filter");
	assert_string_equal(d->set, "allowsync4");
	/* 20000 ranges at 40 bytes each cannot fit one 64 KiB nest. */
	assert_true(d->nmsg - 2 >= 13);
	assert_true(d->max_nest <= 65535);
	assert_int_equal(d->nelem, 2 * N);
	for (size_t i = 1; i + 1 < d->nmsg; i++) {
		assert_int_equal(d->type[i], NFT_MSG_NEWSETELEM);
		assert_int_equal(d->family[i], NFPROTO_INET);
		assert_true(d->flags[i] & NLM_F_CREATE);
		assert_true(d->flags[i] & NLM_F_EXCL);
		/* Pairs never straddle two messages. */
		assert_int_equal(d->nelem_msg[i] % 2, 0);
		assert_false(d->end[d->first_elem[i]]);
	}
	for (size_t i = 0; i < N; i++, e += 2) {
		assert_true(d->key[e] == r.v[i].lo);
		assert_false(d->end[e]);
		assert_true(d->key[e + 1] == r.v[i].hi + 1);
		assert_true(d->end[e + 1]);
	}
	/* Nest sizes are used nearly to the limit, not wasted. */
	assert_true(d->max_nest > 65535 - 64);
	decoded_free(d);
	nl_batch_free(b);
	nl_ranges_release(&r);
}

static void
test_top_of_space(void **state)
{
	struct nl_ranges r4, r6;
	struct nl_batch *b;
	struct decoded *d;

	(void)state;
	nl_ranges_init(&r4);
	nl_ranges_init(&r6);
	assert_int_equal(nl_ranges_push(&r4, PFX_V4, 0, 0), 0);
	assert_int_equal(nl_ranges_push(&r4, PFX_V4, 0xffffff00, 0xffffffff), 0);
	assert_int_equal(nl_ranges_push(&r6, PFX_V6, ~(u128)0 - 255, ~(u128)0), 0);
	assert_false(r4.v[1].has_end);
	b = nl_batch_new(1, 0);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_INET, "t", "s4", PFX_V4, r4.v, r4.n), 0);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_INET, "t", "s6", PFX_V6, r6.v, r6.n), 0);
	assert_int_equal(nl_batch_end(b), 0);
	d = decode(b);
	check_frame(d, b, 1);
	assert_false(d->genid_present);
	/* 0.0.0.0 start, 0.0.0.1 end, 255.255.255.0 start and no end: the
	 * interval runs to the top, hi + 1 would wrap to 0. */
	assert_int_equal(d->nelem, 4);
	assert_true(d->key[0] == 0 && !d->end[0]);
	assert_true(d->key[1] == 1 && d->end[1]);
	assert_true(d->key[2] == 0xffffff00 && !d->end[2]);
	assert_true(d->key[3] == ~(u128)0 - 255 && !d->end[3]);
	decoded_free(d);
	nl_batch_free(b);
	nl_ranges_release(&r4);
	nl_ranges_release(&r6);
}

static void
test_ipv6_paging(void **state)
{
	enum { N = 3000 };
	struct nl_ranges r;
	struct nl_batch *b;
	struct decoded *d;
	u128 base = (u128)0x20010db8 << 96;

	(void)state;
	nl_ranges_init(&r);
	for (u128 i = 0; i < N; i++)
		assert_int_equal(nl_ranges_push(&r, PFX_V6, base + (i << 64), base + (i << 64) + 0xffff), 0);
	b = nl_batch_new(5, 9);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_IPV6, "t", "s6", PFX_V6, r.v, r.n), 0);
	assert_int_equal(nl_batch_end(b), 0);
	d = decode(b);
	check_frame(d, b, 5);
	assert_true(d->nmsg - 2 >= 2);
	assert_true(d->max_nest <= 65535);
	assert_int_equal(d->nelem, 2 * N);
	for (size_t i = 0; i < N; i++) {
		assert_true(d->key[2 * i] == r.v[i].lo);
		assert_true(d->key[2 * i + 1] == r.v[i].hi + 1);
		assert_true(d->end[2 * i + 1]);
	}
	for (size_t i = 1; i + 1 < d->nmsg; i++)
		assert_int_equal(d->family[i], NFPROTO_IPV6);
	decoded_free(d);
	nl_batch_free(b);
	nl_ranges_release(&r);
}

static void
test_flush_only_refused(void **state)
{
	struct nl_ranges r;
	struct nl_batch *b;

	(void)state;
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_flush_set(b, NFPROTO_INET, "t", "s4"), 0);
	assert_int_equal(nl_batch_end(b), -EINVAL);
	nl_batch_free(b);

	/* Adding to another set does not make the flush safe. */
	nl_ranges_init(&r);
	assert_int_equal(nl_ranges_push(&r, PFX_V4, 10, 20), 0);
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_flush_set(b, NFPROTO_INET, "t", "s4"), 0);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_INET, "t", "other", PFX_V4, r.v, r.n), 0);
	assert_int_equal(nl_batch_end(b), -EINVAL);
	nl_batch_free(b);

	/* An empty add is no refill either. */
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_flush_set(b, NFPROTO_INET, "t", "s4"), 0);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_INET, "t", "s4", PFX_V4, r.v, 0), 0);
	assert_int_equal(nl_batch_end(b), -EINVAL);
	nl_batch_free(b);
	nl_ranges_release(&r);
}

static void
test_flush_then_add(void **state)
{
	struct nl_ranges r;
	struct nl_batch *b;
	struct decoded *d;

	(void)state;
	nl_ranges_init(&r);
	assert_int_equal(nl_ranges_push(&r, PFX_V4, 10, 20), 0);
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_flush_set(b, NFPROTO_IPV4, "t", "s4"), 0);
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_IPV4, "t", "s4", PFX_V4, r.v, r.n), 0);
	assert_int_equal(nl_batch_end(b), 0);
	/* Nothing may follow END. */
	assert_int_equal(nl_batch_add_ranges(b, NFPROTO_IPV4, "t", "s4", PFX_V4, r.v, r.n), -EINVAL);
	d = decode(b);
	check_frame(d, b, 1);
	assert_int_equal(d->nmsg, 4);
	assert_int_equal(d->type[1], NFT_MSG_DELSETELEM);
	assert_false(d->has_list[1]); /* no element list: a flush */
	assert_int_equal(d->type[2], NFT_MSG_NEWSETELEM);
	assert_int_equal(d->nelem, 2);
	decoded_free(d);
	nl_batch_free(b);
	nl_ranges_release(&r);
}

static void
test_delete_raw_elements(void **state)
{
	/* Deletions name the elements the kernel holds: a lone end
	 * element, an interval without its end, a normal pair. */
	struct nl_range r[3] = {
		{ 0, 0, true, true },
		{ 100, 199, false, false },
		{ 300, 399, true, false },
	};
	struct nl_batch *b;
	struct decoded *d;

	(void)state;
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_del_ranges(b, NFPROTO_INET, "t", "s4", PFX_V4, r, 3), 0);
	assert_int_equal(nl_batch_end(b), 0);
	d = decode(b);
	check_frame(d, b, 1);
	assert_int_equal(d->type[1], NFT_MSG_DELSETELEM);
	assert_false(d->flags[1] & NLM_F_EXCL);
	assert_int_equal(d->nelem, 4);
	assert_true(d->key[0] == 0 && d->end[0]);
	assert_true(d->key[1] == 100 && !d->end[1]);
	assert_true(d->key[2] == 300 && !d->end[2]);
	assert_true(d->key[3] == 400 && d->end[3]);
	decoded_free(d);
	nl_batch_free(b);
}

static void
test_create_table_and_set(void **state)
{
	struct nl_batch *b;
	struct decoded *d;

	(void)state;
	b = nl_batch_new(1, 3);
	assert_int_equal(nl_batch_add_table(b, NFPROTO_INET, "filter"), 0);
	assert_int_equal(nl_batch_add_set(b, NFPROTO_INET, "filter", "allowsync6", PFX_V6), 0);
	assert_int_equal(nl_batch_end(b), 0);
	d = decode(b);
	check_frame(d, b, 1);
	assert_int_equal(d->type[1], NFT_MSG_NEWTABLE);
	assert_int_equal(d->type[2], NFT_MSG_NEWSET);
	/* Created only if absent: no EXCL. */
	assert_false(d->flags[1] & NLM_F_EXCL);
	assert_false(d->flags[2] & NLM_F_EXCL);
	assert_string_equal(nftnl_table_get_str(d->newtable, NFTNL_TABLE_NAME), "filter");
	assert_string_equal(nftnl_set_get_str(d->newset, NFTNL_SET_NAME), "allowsync6");
	assert_int_equal(nftnl_set_get_u32(d->newset, NFTNL_SET_FLAGS), NFT_SET_INTERVAL);
	assert_int_equal(nftnl_set_get_u32(d->newset, NFTNL_SET_KEY_TYPE), NL_KEY_IPV6);
	assert_int_equal(nftnl_set_get_u32(d->newset, NFTNL_SET_KEY_LEN), 16);
	decoded_free(d);
	nl_batch_free(b);
}

static void
test_elems_to_ranges(void **state)
{
	/* As a dump returns them: in reverse order, with nft's lone end at
	 * 0, two adjacent intervals, and one open at the top. */
	struct nl_elem e[] = {
		{ 0xffffff00, 0 },
		{ 31, NFT_SET_ELEM_INTERVAL_END },
		{ 21, 0 },
		{ 21, NFT_SET_ELEM_INTERVAL_END },
		{ 10, 0 },
		{ 0, NFT_SET_ELEM_INTERVAL_END },
	};
	struct nl_ranges r;

	(void)state;
	nl_ranges_init(&r);
	assert_int_equal(nl_elems_to_ranges(PFX_V4, e, 6, &r), 0);
	assert_int_equal(r.n, 4);
	assert_true(r.v[0].stray && r.v[0].lo == 0);
	assert_true(r.v[1].lo == 10 && r.v[1].hi == 20 && r.v[1].has_end && !r.v[1].stray);
	assert_true(r.v[2].lo == 21 && r.v[2].hi == 30 && r.v[2].has_end);
	assert_true(r.v[3].lo == 0xffffff00 && r.v[3].hi == 0xffffffff && !r.v[3].has_end);
	nl_ranges_release(&r);

	/* Two starts in a row: the first has no end of its own. */
	struct nl_elem f[] = { { 50, 0 }, { 60, 0 }, { 70, NFT_SET_ELEM_INTERVAL_END } };
	nl_ranges_init(&r);
	assert_int_equal(nl_elems_to_ranges(PFX_V4, f, 3, &r), 0);
	assert_int_equal(r.n, 2);
	assert_true(r.v[0].lo == 50 && r.v[0].hi == 59 && !r.v[0].has_end);
	assert_true(r.v[1].lo == 60 && r.v[1].hi == 69 && r.v[1].has_end);
	nl_ranges_release(&r);
}

/* ---- the delta, against a model of the kernel's element set ------- */

/* The kernel holds elements (key, end flag).  Deleting one that is not
 * there is ENOENT; adding one whose key is already there (either flag)
 * would be EEXIST or an overlap, which the delta must never cause. */
struct model {
	u128 key[1024];
	bool end[1024];
	size_t n;
};

static long
model_find(const struct model *m, u128 key, bool end, bool any_flag)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->key[i] == key && (any_flag || m->end[i] == end))
			return (long)i;
	return -1;
}

static void
model_del(struct model *m, u128 key, bool end)
{
	long i = model_find(m, key, end, false);

	assert_true(i >= 0); /* ENOENT: deleting what is not there */
	m->key[i] = m->key[m->n - 1];
	m->end[i] = m->end[m->n - 1];
	m->n--;
}

static void
model_add(struct model *m, u128 key, bool end)
{
	assert_true(model_find(m, key, end, true) < 0); /* collision */
	assert_true(m->n < 1024);
	m->key[m->n] = key;
	m->end[m->n++] = end;
}

/* What other tools may leave: adjacent intervals share a key (an end
 * and a start), which the kernel allows. */
static void
model_load(struct model *m, u128 key, bool end)
{
	assert_true(model_find(m, key, end, false) < 0);
	assert_true(m->n < 1024);
	m->key[m->n] = key;
	m->end[m->n++] = end;
}

static void
model_apply(struct model *m, enum pfx_family fam, const struct nl_range *r, bool add)
{
	void (*op)(struct model *, u128, bool) = add ? model_add : model_del;

	if (r->stray) {
		op(m, r->lo, true);
		return;
	}
	op(m, r->lo, false);
	if (r->has_end)
		op(m, r->hi + 1, true);
	(void)fam;
}

static uint32_t rng_state = 12345;

static uint32_t
rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

/* Random canonical intervals in the 8-bit slice above `base`. */
static void
random_canonical(enum pfx_family fam, u128 base, struct nl_ranges *r)
{
	u128 at = base + rnd(8);
	u128 top = base + 255;

	/* Steps are capped by the room left, so nothing wraps at the top
	 * of the IPv6 space (which would leave the list out of order). */
	while (at <= top && rnd(6) != 0) {
		u128 step = rnd(20), hi = step > top - at ? top : at + step;

		assert_int_equal(nl_ranges_push(r, fam, at, hi), 0);
		if (top - hi < 2)
			break;
		step = rnd(20);
		at = step > top - hi - 2 ? top : hi + 2 + step;
	}
}

static struct pset *
set_of_ranges(enum pfx_family fam, const struct nl_ranges *r)
{
	struct pset *s = pset_new();

	assert_non_null(s);
	for (size_t i = 0; i < r->n; i++)
		assert_int_equal(pset_add_range(s, fam, r->v[i].lo, r->v[i].hi), 0);
	assert_int_equal(pset_merge(s), 0);
	return s;
}

static bool
same_ranges(const struct nl_ranges *a, const struct nl_ranges *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].lo != b->v[i].lo || a->v[i].hi != b->v[i].hi ||
		    a->v[i].has_end != b->v[i].has_end || a->v[i].stray != b->v[i].stray)
			return false;
	return true;
}

static void
test_delta_exact(void **state)
{
	/* Bottom, middle and top of each family: at the top the last
	 * interval has no end element. */
	const u128 v6top = ~(u128)0 - 255;
	const struct { enum pfx_family fam; u128 base; } slices[] = {
		{ PFX_V4, 0 }, { PFX_V4, 0x0a000000 }, { PFX_V4, 0xffffff00 },
		{ PFX_V6, 0 }, { PFX_V6, v6top },
	};

	(void)state;
	for (int iter = 0; iter < 4000; iter++) {
		enum pfx_family fam = slices[iter % 5].fam;
		u128 base = slices[iter % 5].base;
		struct nl_ranges want, other, live, add, del;
		struct nl_elem elems[1024];
		struct model m = { .n = 0 };
		size_t ne = 0, keep = 0;

		nl_ranges_init(&want);
		nl_ranges_init(&other);
		nl_ranges_init(&live);
		nl_ranges_init(&add);
		nl_ranges_init(&del);
		random_canonical(fam, base, &want);
		/* The live set: sometimes `want` itself, else another list,
		 * plus what other tools leave: an interval split into two
		 * adjacent ones, a lone end element, a missing end. */
		if (rnd(4) == 0) {
			for (size_t i = 0; i < want.n; i++)
				assert_int_equal(nl_ranges_append(&other, &want.v[i]), 0);
		} else {
			random_canonical(fam, base, &other);
		}
		for (size_t i = 0; i < other.n; i++) {
			struct nl_range x = other.v[i];

			if (rnd(5) == 0 && x.hi > x.lo) {
				u128 mid = x.lo + rnd((uint32_t)(x.hi - x.lo));

				elems[ne++] = (struct nl_elem){ x.lo, 0 };
				elems[ne++] = (struct nl_elem){ mid + 1, NFT_SET_ELEM_INTERVAL_END };
				x.lo = mid + 1;
			}
			elems[ne++] = (struct nl_elem){ x.lo, 0 };
			if (x.has_end && rnd(12) != 0)
				elems[ne++] = (struct nl_elem){ x.hi + 1, NFT_SET_ELEM_INTERVAL_END };
		}
		if (rnd(4) == 0 && model_find(&m, base, true, true) < 0) {
			bool clash = false;

			for (size_t i = 0; i < ne; i++)
				clash |= elems[i].key == base;
			if (!clash)
				elems[ne++] = (struct nl_elem){ base, NFT_SET_ELEM_INTERVAL_END };
		}
		for (size_t i = 0; i < ne; i++)
			model_load(&m, elems[i].key, elems[i].flags & NFT_SET_ELEM_INTERVAL_END);
		assert_int_equal(nl_elems_to_ranges(fam, elems, ne, &live), 0);

		assert_int_equal(nl_ranges_delta(fam, NL_SEQ_LIST(&live), NL_SEQ_LIST(&want), &add,
						 &del, &keep), 0);
		assert_int_equal(keep + add.n, want.n);
		assert_int_equal(keep + del.n, live.n);
		/* Deletions first, then additions, as in the batch. */
		for (size_t i = 0; i < del.n; i++)
			model_apply(&m, fam, &del.v[i], false);
		for (size_t i = 0; i < add.n; i++)
			model_apply(&m, fam, &add.v[i], true);
		/* Exactly the canonical elements of `want` remain. */
		size_t expect = 0;
		for (size_t i = 0; i < want.n; i++) {
			assert_true(model_find(&m, want.v[i].lo, false, false) >= 0);
			expect++;
			if (want.v[i].hi != pfx_max(fam)) {
				assert_true(model_find(&m, want.v[i].hi + 1, true, false) >= 0);
				expect++;
			}
		}
		assert_int_equal(m.n, expect);
		/* Nothing to do when live is already canonical and equal. */
		if (add.n == 0 && del.n == 0)
			assert_int_equal(live.n, want.n);
		/* The same delta with `want` read in place from a set, as
		 * out_nft plans against a dumped view. */
		struct pset *w = set_of_ranges(fam, &want);
		struct nl_ranges add2, del2;
		size_t keep2 = 0;

		nl_ranges_init(&add2);
		nl_ranges_init(&del2);
		assert_int_equal(nl_ranges_delta(fam, NL_SEQ_LIST(&live), NL_SEQ_SET(w), &add2, &del2,
						 &keep2), 0);
		assert_int_equal(keep2, keep);
		assert_true(same_ranges(&add2, &add));
		assert_true(same_ranges(&del2, &del));
		nl_ranges_release(&add2);
		nl_ranges_release(&del2);
		pset_free(w);

		nl_ranges_release(&want);
		nl_ranges_release(&other);
		nl_ranges_release(&live);
		nl_ranges_release(&add);
		nl_ranges_release(&del);
	}
}

/* From the record (canonical live) the delta of two sets is the delta of
 * the interval lists, exactly: same additions, deletions and kept. */
static void
test_delta_from_sets(void **state)
{
	const struct { enum pfx_family fam; u128 base; } slices[] = {
		{ PFX_V4, 0 }, { PFX_V4, 0x0a000000 }, { PFX_V4, 0xffffff00 },
		{ PFX_V6, 0 }, { PFX_V6, ~(u128)0 - 255 },
	};
	(void)state;
	for (int iter = 0; iter < 4000; iter++) {
		enum pfx_family fam = slices[iter % 5].fam;
		u128 base = slices[iter % 5].base;
		struct nl_ranges want, live, add1, del1, add2, del2;
		size_t keep1 = 0, keep2 = 0;

		nl_ranges_init(&want);
		nl_ranges_init(&live);
		nl_ranges_init(&add1);
		nl_ranges_init(&del1);
		nl_ranges_init(&add2);
		nl_ranges_init(&del2);
		random_canonical(fam, base, &want);
		if (rnd(4) == 0)
			for (size_t i = 0; i < want.n; i++)
				assert_int_equal(nl_ranges_append(&live, &want.v[i]), 0);
		else
			random_canonical(fam, base, &live);
		struct pset *w = set_of_ranges(fam, &want), *l = set_of_ranges(fam, &live);

		assert_int_equal(nl_ranges_delta(fam, NL_SEQ_LIST(&live), NL_SEQ_LIST(&want), &add1,
						 &del1, &keep1), 0);
		assert_int_equal(nl_ranges_delta(fam, NL_SEQ_SET(l), NL_SEQ_SET(w), &add2, &del2,
						 &keep2), 0);
		assert_int_equal(keep1, keep2);
		assert_true(same_ranges(&add1, &add2));
		assert_true(same_ranges(&del1, &del2));
		pset_free(w);
		pset_free(l);
		nl_ranges_release(&want);
		nl_ranges_release(&live);
		nl_ranges_release(&add1);
		nl_ranges_release(&del1);
		nl_ranges_release(&add2);
		nl_ranges_release(&del2);
	}
}

static void
test_family_names(void **state)
{
	(void)state;
	assert_int_equal(nl_family_parse("inet"), NFPROTO_INET);
	assert_int_equal(nl_family_parse("ip"), NFPROTO_IPV4);
	assert_int_equal(nl_family_parse("ip6"), NFPROTO_IPV6);
	assert_int_equal(nl_family_parse("bridge"), -1);
	assert_string_equal(nl_family_name(NFPROTO_IPV6), "ip6");
}

/* One validator, two rules: what nft accepts over netlink, and the
 * stricter names nft-file writes into files. */
static void
test_name_rules(void **state)
{
	static const struct {
		const char *name;
		bool netlink, file;
	} cases[] = {
		{ "filter", true, true },    { "_x9", true, true },      { "Allow_4", true, true },
		{ "a.b", true, false },      { "a-b", true, false },     { "1abc", false, false },
		{ "", false, false },        { "a b", false, false },    { ".a", false, false },
		{ "-a", false, false },      { "a/b", false, false },    { "a$", false, false },
	};
	char name[300];
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(nl_name_valid(cases[i].name, NL_NAME_NETLINK), cases[i].netlink);
		assert_int_equal(nl_name_valid(cases[i].name, NL_NAME_FILE), cases[i].file);
	}
	/* The kernel's limit is for netlink names only. */
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_true(nl_name_valid(name, NL_NAME_FILE));
	assert_false(nl_name_valid(name, NL_NAME_NETLINK));
	name[NFT_NAME_MAXLEN] = '\0';
	assert_false(nl_name_valid(name, NL_NAME_NETLINK));
	name[NFT_NAME_MAXLEN - 1] = '\0';
	assert_true(nl_name_valid(name, NL_NAME_NETLINK));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_pages_pairs),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_ipv6_paging),
		cmocka_unit_test(test_flush_only_refused),
		cmocka_unit_test(test_flush_then_add),
		cmocka_unit_test(test_delete_raw_elements),
		cmocka_unit_test(test_create_table_and_set),
		cmocka_unit_test(test_elems_to_ranges),
		cmocka_unit_test(test_delta_exact),
		cmocka_unit_test(test_delta_from_sets),
		cmocka_unit_test(test_family_names),
		cmocka_unit_test(test_name_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
