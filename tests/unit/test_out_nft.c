/* Unit tests: out_nft — the nftables output, planned against recorded
 * kernel answers.
 *
 * The output talks to the kernel through a table of functions
 * (out_nft.h); here a small fake kernel answers instead: the generation,
 * the table and set properties GETSET would report, element dumps (raw
 * elements out of order, turned into intervals by nl_elems_to_ranges as
 * nl_dump_ranges does), the boot id and netns cookie.  Every batch the
 * output sends is decoded message by message into the log below, and
 * then applied the way nf_tables would apply it — all or nothing,
 * refused with ERESTART when it carries a stale generation, ENOENT when
 * it deletes an element that is not there, EEXIST when it adds one that
 * is (NLM_F_EXCL) — so each test sees both which batch was built and
 * what the set holds afterwards.  The fake does not model the kernel's
 * overlap checks between different elements.
 *
 * Batch log, one line per message:
 *   BEGIN genid=G | BEGIN          (without a generation check)
 *   NEWTABLE inet filter
 *   NEWSET inet filter allow4 interval ipv4_addr
 *   FLUSH inet filter allow4       (DELSETELEM without elements)
 *   DEL|ADD inet filter allow4 [192.0.2.0 192.0.3.0) 0.0.0.0)
 *   END
 * "[A" is a start element at A, "B)" an end element (INTERVAL_END) at B.
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
#include "nftstate.h"
#include "nl.h"
#include "out_nft.h"
#include "output.h"
#include "pfx.h"
#include "pset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef ERESTART
#define ERESTART 85
#endif

/* ---- the fake kernel ---------------------------------------------- */

#define NSETS 12
#define MAXEL 256

/* nft datatype ids (key_type) besides NL_KEY_IPV4/NL_KEY_IPV6. */
#define KEY_INET_SERVICE 13u
/* ipv4_addr . inet_service: nft concatenates the ids 6 bits apart. */
#define KEY_V4_SERVICE ((NL_KEY_IPV4 << 6) | KEY_INET_SERVICE)

struct kset {
	bool present;
	char name[NFT_NAME_MAXLEN];
	struct nl_setinfo info;
	bool catchall;  /* holds a catch-all element */
	size_t n;
	struct nl_elem e[MAXEL];
};

/* What nf_tables holds: one table and its sets. */
struct ruleset {
	bool table;
	int family;
	char table_name[NFT_NAME_MAXLEN];
	struct kset set[NSETS];
	uint32_t gen;
};

struct kernel {
	struct ruleset rs;
	uint64_t netns;
	char boot[40];
	/* Scripted answers. */
	int table_err;         /* GETTABLE refused with this (negative errno) */
	int send_err;          /* the next batch refused with this, nothing applied */
	const char *send_why;
	int churn;             /* batches that arrive just after someone else's commit */
	bool commit_after;     /* someone else commits right after each of our batches */
	/* What was asked. */
	int opens, closes, dumps, sends;
	char log[1 << 15];
};

static struct kernel K;
static struct ruleset scratch;  /* a batch is applied here, then kept or dropped */

/* The fake's socket: the output only hands it back to the functions below. */
struct nl_sock {
	struct kernel *k;
};

static void klog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
klog(const char *fmt, ...)
{
	size_t len = strlen(K.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(K.log + len, sizeof(K.log) - len, fmt, ap);
	va_end(ap);
	assert_true(strlen(K.log) + 1 < sizeof(K.log));
}

static enum pfx_family
set_fam(const struct kset *ks)
{
	return ks->info.key_len == 16 ? PFX_V6 : PFX_V4;
}

static struct kset *
find_set(struct ruleset *rs, int family, const char *table, const char *name)
{
	if (!rs->table || rs->family != family || strcmp(rs->table_name, table) != 0)
		return NULL;
	for (int i = 0; i < NSETS; i++)
		if (rs->set[i].present && strcmp(rs->set[i].name, name) == 0)
			return &rs->set[i];
	return NULL;
}

static struct kset *
kset(const char *name)
{
	struct kset *ks = find_set(&K.rs, K.rs.family, K.rs.table_name, name);

	assert_non_null(ks);
	return ks;
}

static ssize_t
elem_find(const struct kset *ks, u128 key, bool end)
{
	for (size_t i = 0; i < ks->n; i++)
		if (ks->e[i].key == key && !!(ks->e[i].flags & NFT_SET_ELEM_INTERVAL_END) == end)
			return (ssize_t)i;
	return -1;
}

static void
elem_put(struct kset *ks, u128 key, bool end)
{
	assert_true(ks->n < MAXEL);
	ks->e[ks->n].key = key;
	ks->e[ks->n].flags = end ? NFT_SET_ELEM_INTERVAL_END : 0;
	ks->n++;
}

static void
elem_drop(struct kset *ks, size_t i)
{
	ks->e[i] = ks->e[--ks->n];
}

static int
k_open(struct nl_sock **out, struct err *err)
{
	(void)err;
	*out = calloc(1, sizeof(**out));
	assert_non_null(*out);
	(*out)->k = &K;
	K.opens++;
	return 0;
}

static void
k_close(struct nl_sock *s)
{
	if (s == NULL)
		return;
	K.closes++;
	free(s);
}

static uint64_t
k_netns(const struct nl_sock *s)
{
	(void)s;
	return K.netns;
}

static void
k_boot(char out[40])
{
	snprintf(out, 40, "%s", K.boot);
}

static int
k_getgen(struct nl_sock *s, uint32_t *gen, struct err *err)
{
	(void)s;
	(void)err;
	*gen = K.rs.gen;
	return 0;
}

static int
k_get_table(struct nl_sock *s, int family, const char *table, struct err *err)
{
	(void)s;
	if (K.table_err) {
		err_set(err, "needs CAP_NET_ADMIN (reading the table: %s)", strerror(-K.table_err));
		return K.table_err;
	}
	if (!K.rs.table || K.rs.family != family || strcmp(K.rs.table_name, table) != 0) {
		err_set(err, "reading the table: %s", strerror(ENOENT));
		return -ENOENT;
	}
	return 0;
}

static int
k_get_set(struct nl_sock *s, int family, const char *table, const char *set,
	  struct nl_setinfo *info, struct err *err)
{
	struct kset *ks = find_set(&K.rs, family, table, set);

	(void)s;
	memset(info, 0, sizeof(*info));
	if (ks == NULL) {
		err_set(err, "reading the set: %s", strerror(ENOENT));
		return -ENOENT;
	}
	*info = ks->info;
	return 0;
}

static int
k_dump(struct nl_sock *s, int family, const char *table, const char *set, enum pfx_family fam,
       struct nl_ranges *out, struct err *err)
{
	struct kset *ks = find_set(&K.rs, family, table, set);
	struct nl_elem e[MAXEL];

	(void)s;
	K.dumps++;
	if (ks == NULL) {
		err_set(err, "dumping the set: %s", strerror(ENOENT));
		return -ENOENT;
	}
	if (ks->catchall) {
		err_set(err, "holds a catch-all element");
		return -EDOM;
	}
	/* Out of order, as a dump may come: the newest element first. */
	for (size_t i = 0; i < ks->n; i++)
		e[i] = ks->e[ks->n - 1 - i];
	assert_int_equal(nl_elems_to_ranges(fam, e, ks->n, out), 0);
	return 0;
}

/* Applying one batch to `scratch`. */
struct applying {
	bool genid_present;
	uint32_t genid;
	int err;  /* the first refusal, negative errno */
	struct err why;
};

static void
refuse(struct applying *a, int e, const char *what, const char *set)
{
	if (a->err != 0)
		return;
	a->err = -e;
	err_set(&a->why, "%s set %s: %s", what, set, strerror(e));
}

static void
apply_table(struct applying *a, const struct nlmsghdr *nlh, int family)
{
	struct nftnl_table *t = nftnl_table_alloc();
	const char *name;

	assert_non_null(t);
	assert_int_equal(nftnl_table_nlmsg_parse(nlh, t), 0);
	name = nftnl_table_get_str(t, NFTNL_TABLE_NAME);
	klog("NEWTABLE %s %s\n", nl_family_name(family), name);
	/* NLM_F_CREATE without EXCL: an existing table is kept. */
	assert_false(nlh->nlmsg_flags & NLM_F_EXCL);
	if (!scratch.table) {
		scratch.table = true;
		scratch.family = family;
		snprintf(scratch.table_name, sizeof(scratch.table_name), "%s", name);
	} else if (scratch.family != family || strcmp(scratch.table_name, name) != 0) {
		fail_msg("the fake kernel holds one table");
	}
	(void)a;
	nftnl_table_free(t);
}

static void
apply_newset(struct applying *a, const struct nlmsghdr *nlh, int family)
{
	struct nftnl_set *s = nftnl_set_alloc();
	const char *name, *table;
	uint32_t flags, kt, kl;

	assert_non_null(s);
	assert_int_equal(nftnl_set_nlmsg_parse(nlh, s), 0);
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	table = nftnl_set_get_str(s, NFTNL_SET_TABLE);
	flags = nftnl_set_get_u32(s, NFTNL_SET_FLAGS);
	kt = nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE);
	kl = nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN);
	klog("NEWSET %s %s %s", nl_family_name(family), table, name);
	if (flags == NFT_SET_INTERVAL)
		klog(" interval");
	else
		klog(" flags=%#x", flags);
	if (kt == NL_KEY_IPV4 && kl == 4)
		klog(" ipv4_addr\n");
	else if (kt == NL_KEY_IPV6 && kl == 16)
		klog(" ipv6_addr\n");
	else
		klog(" key=%u/%u\n", kt, kl);
	if (find_set(&scratch, family, table, name) == NULL) {
		if (!scratch.table || scratch.family != family ||
		    strcmp(scratch.table_name, table) != 0) {
			refuse(a, ENOENT, "creating", name);
		} else {
			int i = 0;

			while (i < NSETS && scratch.set[i].present)
				i++;
			assert_true(i < NSETS);
			memset(&scratch.set[i], 0, sizeof(scratch.set[i]));
			scratch.set[i].present = true;
			snprintf(scratch.set[i].name, sizeof(scratch.set[i].name), "%s", name);
			scratch.set[i].info = (struct nl_setinfo){ flags, kt, kl, 0, 100u + (unsigned)i };
		}
	}
	nftnl_set_free(s);
}

static void
apply_elems(struct applying *a, const struct nlmsghdr *nlh, int family, bool add)
{
	struct nlattr *at, *list = NULL;
	const char *table = "", *set = "";
	struct kset *ks;

	mnl_attr_for_each(at, nlh, sizeof(struct nfgenmsg)) {
		switch (mnl_attr_get_type(at)) {
		case NFTA_SET_ELEM_LIST_TABLE:
			table = mnl_attr_get_str(at);
			break;
		case NFTA_SET_ELEM_LIST_SET:
			set = mnl_attr_get_str(at);
			break;
		case NFTA_SET_ELEM_LIST_ELEMENTS:
			list = at;
			break;
		default:
			fail_msg("unexpected attribute %u", mnl_attr_get_type(at));
		}
	}
	if (add) {
		assert_non_null(list);
		/* EXCL: adding what is there means the view was wrong. */
		assert_true(nlh->nlmsg_flags & NLM_F_EXCL);
	}
	klog("%s %s %s %s", list == NULL ? "FLUSH" : add ? "ADD" : "DEL", nl_family_name(family),
	     table, set);
	ks = find_set(&scratch, family, table, set);
	if (ks == NULL)
		refuse(a, ENOENT, add ? "adding to" : "deleting from", set);
	if (list == NULL) {
		if (ks != NULL)
			ks->n = 0;
		klog("\n");
		return;
	}
	mnl_attr_for_each_nested(at, list) {
		struct nlattr *x, *k;
		bool end = false, got = false;
		u128 key = 0;
		enum pfx_family fam = PFX_V4;
		char text[PFX_ADDR_MAX];

		assert_int_equal(mnl_attr_get_type(at), NFTA_LIST_ELEM);
		mnl_attr_for_each_nested(x, at) {
			if (mnl_attr_get_type(x) == NFTA_SET_ELEM_FLAGS) {
				assert_int_equal(ntohl(mnl_attr_get_u32(x)), NFT_SET_ELEM_INTERVAL_END);
				end = true;
			} else if (mnl_attr_get_type(x) == NFTA_SET_ELEM_KEY) {
				mnl_attr_for_each_nested(k, x) {
					uint16_t len = mnl_attr_get_payload_len(k);

					assert_int_equal(mnl_attr_get_type(k), NFTA_DATA_VALUE);
					assert_true(len == 4 || len == 16);
					fam = len == 4 ? PFX_V4 : PFX_V6;
					key = pfx_addr_from_bytes(fam, mnl_attr_get_payload(k));
					got = true;
				}
			}
		}
		assert_true(got);
		pfx_format_addr(fam, key, text);
		klog(end ? " %s)" : " [%s", text);
		if (ks == NULL)
			continue;
		assert_int_equal(fam, set_fam(ks));
		ssize_t i = elem_find(ks, key, end);
		if (add && i >= 0)
			refuse(a, EEXIST, "adding to", set);
		else if (add)
			elem_put(ks, key, end);
		else if (i < 0)
			refuse(a, ENOENT, "deleting from", set);
		else
			elem_drop(ks, (size_t)i);
	}
	klog("\n");
}

static int
apply_msg(void *ctx, const void *msg, size_t len)
{
	struct applying *a = ctx;
	const struct nlmsghdr *nlh = msg;
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	struct nlattr *at;

	assert_int_equal(len, nlh->nlmsg_len);
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_BEGIN) {
		mnl_attr_for_each(at, nlh, sizeof(*g)) {
			if (mnl_attr_get_type(at) == NFNL_BATCH_GENID) {
				a->genid_present = true;
				a->genid = ntohl(mnl_attr_get_u32(at));
			}
		}
		if (a->genid_present)
			klog("BEGIN genid=%u\n", a->genid);
		else
			klog("BEGIN\n");
		return 0;
	}
	if (nlh->nlmsg_type == NFNL_MSG_BATCH_END) {
		klog("END\n");
		return 0;
	}
	assert_int_equal(nlh->nlmsg_type >> 8, NFNL_SUBSYS_NFTABLES);
	assert_true(nlh->nlmsg_flags & NLM_F_ACK);
	switch (nlh->nlmsg_type & 0xff) {
	case NFT_MSG_NEWTABLE:
		apply_table(a, nlh, g->nfgen_family);
		break;
	case NFT_MSG_NEWSET:
		apply_newset(a, nlh, g->nfgen_family);
		break;
	case NFT_MSG_NEWSETELEM:
		apply_elems(a, nlh, g->nfgen_family, true);
		break;
	case NFT_MSG_DELSETELEM:
		apply_elems(a, nlh, g->nfgen_family, false);
		break;
	default:
		fail_msg("unexpected message type %u", nlh->nlmsg_type & 0xff);
	}
	return 0;
}

static int
k_send(struct nl_sock *s, struct nl_batch *b, struct err *err)
{
	struct applying a = { 0 };
	int r;

	(void)s;
	K.sends++;
	if (K.churn > 0) {  /* someone else's commit got in first */
		K.churn--;
		K.rs.gen++;
	}
	scratch = K.rs;
	assert_int_equal(nl_batch_each(b, apply_msg, &a), 0);
	if (K.send_err != 0) {
		r = K.send_err;
		K.send_err = 0;
		err_set(err, "%s", K.send_why);
		return r;
	}
	if (a.genid_present && a.genid != K.rs.gen) {
		err_set(err, "ruleset changed while the update was prepared");
		return -ERESTART;
	}
	if (a.err != 0) {
		err_set(err, "%s", a.why.msg);
		return a.err;
	}
	K.rs = scratch;
	K.rs.gen++;
	if (K.commit_after)
		K.rs.gen++;
	return 0;
}

static const struct out_nft_kernel fake = {
	.open = k_open,
	.close = k_close,
	.netns_cookie = k_netns,
	.boot_id = k_boot,
	.getgen = k_getgen,
	.get_table = k_get_table,
	.get_set = k_get_set,
	.dump_ranges = k_dump,
	.send = k_send,
};

/* ---- what others do to the ruleset (each a commit) ------------------ */

static void
nft_table(int family, const char *name)
{
	K.rs.table = true;
	K.rs.family = family;
	snprintf(K.rs.table_name, sizeof(K.rs.table_name), "%s", name);
	K.rs.gen++;
}

/* `nft add set`, with the properties GETSET then reports. */
static void
nft_set(const char *name, uint32_t flags, uint32_t key_type, uint32_t key_len, uint32_t size)
{
	int i = 0;

	while (i < NSETS && K.rs.set[i].present)
		i++;
	assert_true(i < NSETS);
	K.rs.set[i].present = true;
	snprintf(K.rs.set[i].name, sizeof(K.rs.set[i].name), "%s", name);
	K.rs.set[i].info = (struct nl_setinfo){ flags, key_type, key_len, size, 1u + (unsigned)i };
	K.rs.gen++;
}

static void
nft_set4(const char *name)
{
	nft_set(name, NFT_SET_INTERVAL, NL_KEY_IPV4, 4, 0);
}

static void
nft_set6(const char *name)
{
	nft_set(name, NFT_SET_INTERVAL, NL_KEY_IPV6, 16, 0);
}

/* `nft add element`: start and end elements of each range, and the end
 * element nft keeps at address 0 of an interval set. */
static void
nft_add(const char *name, const char *text)
{
	struct kset *ks = kset(name);
	enum pfx_family fam = set_fam(ks);
	struct pset *p = test_set(text);

	if (elem_find(ks, 0, true) < 0 && elem_find(ks, 0, false) < 0)
		elem_put(ks, 0, true);
	for (size_t i = 0; i < pset_count(p, fam); i++) {
		struct pfx_range r = pset_get(p, fam, i);

		assert_true(elem_find(ks, r.lo, false) < 0);
		elem_put(ks, r.lo, false);
		if (r.hi != pfx_max(fam))
			elem_put(ks, r.hi + 1, true);
	}
	pset_free(p);
	K.rs.gen++;
}

/* `nft delete element` of ranges the set holds as such. */
static void
nft_delete(const char *name, const char *text)
{
	struct kset *ks = kset(name);
	enum pfx_family fam = set_fam(ks);
	struct pset *p = test_set(text);

	for (size_t i = 0; i < pset_count(p, fam); i++) {
		struct pfx_range r = pset_get(p, fam, i);
		ssize_t j = elem_find(ks, r.lo, false);

		assert_true(j >= 0);
		elem_drop(ks, (size_t)j);
		if (r.hi != pfx_max(fam)) {
			j = elem_find(ks, r.hi + 1, true);
			assert_true(j >= 0);
			elem_drop(ks, (size_t)j);
		}
	}
	pset_free(p);
	K.rs.gen++;
}

static int
elem_cmp(const void *x, const void *y)
{
	const struct nl_elem *a = x, *b = y;

	if (a->key != b->key)
		return a->key < b->key ? -1 : 1;
	return (int)(b->flags & NFT_SET_ELEM_INTERVAL_END) - (int)(a->flags & NFT_SET_ELEM_INTERVAL_END);
}

/* The set's elements in address order, in the log's notation. */
static const char *
set_text(const char *name)
{
	static char buf[8192];
	struct kset *ks = kset(name);
	struct nl_elem e[MAXEL];
	size_t len = 0;

	memcpy(e, ks->e, ks->n * sizeof(e[0]));
	qsort(e, ks->n, sizeof(e[0]), elem_cmp);
	buf[0] = '\0';
	for (size_t i = 0; i < ks->n; i++) {
		char text[PFX_ADDR_MAX];
		bool end = e[i].flags & NFT_SET_ELEM_INTERVAL_END;

		pfx_format_addr(set_fam(ks), e[i].key, text);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, end ? "%s%s)" : "%s[%s",
					i ? " " : "", text);
		assert_true(len < sizeof(buf));
	}
	return buf;
}

/* The batches sent since the last call. */
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
	assert_non_null(f);
	fprintf(f, "[source s]\ntype = static\nprefixes = 192.0.2.1\n"
		   "[output fw]\ntype = nftables\n%s", body);
	fclose(f);
	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &C, err) != 0)
		return -1;
	O = C->outputs[0];
	assert_ptr_equal(O->type, &out_nft);
	out_nft_use_kernel(O, &fake);
	return 0;
}

static void
load(const char *body)
{
	struct err err;

	if (conf_try(body, &err) != 0)
		fail_msg("%s", err.msg);
}

enum { DONE, AT_LIVE, AT_PREPARE, AT_COMMIT };

/* One run of the output as run_pipeline drives it: live, prepare,
 * commit.  *live (if not NULL) gets what live() read, merged. */
static int
run_with_live(const char *want_text, bool *changed, struct pset **live_out, struct err *err)
{
	struct pset *want = test_set(want_text), *live = pset_new();
	int stage = DONE;
	bool ch = false;

	assert_non_null(live);
	err_clear(err);
	if (O->type->live(O, &CTX, live, err) < 0)
		stage = AT_LIVE;
	else if (O->type->prepare(O, &CTX, want, &ch, err) < 0)
		stage = AT_PREPARE;
	else if (O->type->commit(O, &CTX, err) < 0)
		stage = AT_COMMIT;
	if (changed)
		*changed = ch;
	assert_int_equal(pset_merge(live), 0);
	if (live_out)
		*live_out = live;
	else
		pset_free(live);
	pset_free(want);
	return stage;
}

static int
run_once(const char *want_text, bool *changed, struct err *err)
{
	return run_with_live(want_text, changed, NULL, err);
}

/* A run that must succeed; returns whether it changed the set. */
static bool
run_ok(const char *want_text)
{
	struct err err;
	bool changed;
	int stage = run_once(want_text, &changed, &err);

	if (stage != DONE)
		fail_msg("stage %d: %s", stage, err.msg);
	return changed;
}

static const char *
record_path(void)
{
	static char path[700];

	snprintf(path, sizeof(path), "%s/outputs/fw.nft", test_dir);
	return path;
}

/* The state record; its ranges are the caller's to release. */
static void
record_load(struct nftstate *st)
{
	struct err err;

	nftstate_init(st);
	if (nftstate_load(record_path(), st, &err) != 0)
		fail_msg("record: %s", err.msg);
}

static void
assert_record(uint32_t gen, const char *ranges)
{
	struct nftstate st;
	struct pset *want = test_set(ranges);

	record_load(&st);
	assert_int_equal(st.gen, gen);
	assert_string_equal(st.boot, K.boot);
	assert_int_equal(st.netns, K.netns);
	assert_true(pset_equal(st.ranges, want));
	nftstate_release(&st);
	pset_free(want);
}

/* Log lines written during a call, through stderr. */
static char captured[8192];
static int saved_stderr = -1;

static void
capture_start(void)
{
	char path[700];
	int fd;

	snprintf(path, sizeof(path), "%s/stderr", test_dir);
	fflush(stderr);
	saved_stderr = dup(2);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(saved_stderr >= 0 && fd >= 0);
	assert_int_equal(dup2(fd, 2), 2);
	close(fd);
	log_set_level(LOG_LVL_INFO);
}

static const char *
capture_end(void)
{
	char path[700];
	FILE *f;
	size_t n;

	log_set_level(LOG_LVL_ERR);
	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, 2), 2);
	close(saved_stderr);
	saved_stderr = -1;
	snprintf(path, sizeof(path), "%s/stderr", test_dir);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(captured, 1, sizeof(captured) - 1, f);
	captured[n] = '\0';
	fclose(f);
	return captured;
}

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
	K.netns = 4026531840u;
	snprintf(K.boot, sizeof(K.boot), "6f1e7a1c-0d3b-4c2e-9a57-2b8f1d9e3c40");
	K.rs.gen = 40;
	CTX = (struct output_ctx){ .state_dir = test_dir };
	C = NULL;
	O = NULL;
	return 0;
}

static int
teardown(void **state)
{
	bool closed;

	if (saved_stderr >= 0) {  /* a test failed while capturing */
		log_set_level(LOG_LVL_ERR);
		fflush(stderr);
		dup2(saved_stderr, 2);
		close(saved_stderr);
		saved_stderr = -1;
	}
	conf_free(C);
	C = NULL;
	O = NULL;
	closed = K.opens == K.closes;  /* no socket left open */
	return test_dir_teardown(state) == 0 && closed ? 0 : -1;
}

#define BOTH "table = filter\nset4 = allow4\nset6 = allow6\n"

/* ---- tests -------------------------------------------------------- */

/* No table yet, create = yes: table, both sets and their elements in
 * one batch checked against the generation of the view; the record then
 * spares the next run any dump and any batch. */
static void
test_create_table_and_sets(void **state)
{
	struct pset *live = NULL;
	struct err err;
	bool changed;
	const char *want = "192.0.2.0/24\n198.51.100.7\n2001:db8::/48\n2001:db8:ffff::1\n";

	(void)state;
	load(BOTH "create = yes\n");
	assert_int_equal(run_with_live(want, &changed, &live, &err), DONE);
	assert_int_equal(pset_total(live), 0);  /* nothing there yet */
	pset_free(live);
	assert_true(changed);
	expect_log("BEGIN genid=40\n"
		   "NEWTABLE inet filter\n"
		   "NEWSET inet filter allow4 interval ipv4_addr\n"
		   "ADD inet filter allow4 [192.0.2.0 192.0.3.0) [198.51.100.7 198.51.100.8)\n"
		   "NEWSET inet filter allow6 interval ipv6_addr\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db8:1::) [2001:db8:ffff::1 2001:db8:ffff::2)\n"
		   "END\n");
	assert_int_equal(K.dumps, 0);
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0) [198.51.100.7 198.51.100.8)");
	assert_string_equal(set_text("allow6"),
			    "[2001:db8:: 2001:db8:1::) [2001:db8:ffff::1 2001:db8:ffff::2)");
	assert_int_equal(K.rs.gen, 41);
	assert_record(41, want);

	/* Unchanged: the record stands for the kernel, nothing is sent. */
	assert_int_equal(run_with_live(want, &changed, &live, &err), DONE);
	assert_false(changed);
	struct pset *w = test_set(want);
	assert_true(pset_equal(live, w));
	pset_free(w);
	pset_free(live);
	assert_int_equal(K.sends, 1);
	assert_int_equal(K.dumps, 0);
	assert_int_equal(K.opens, 1);
	expect_log("");
}

/* The table exists with set4 holding ranges, set6 is missing: only the
 * set is created (no NEWTABLE), set4 gets its delta. */
static void
test_create_missing_set_only(void **state)
{
	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_add("allow4", "192.0.2.0/24\n");
	load(BOTH "create = yes\n");
	assert_true(run_ok("192.0.2.0/24\n203.0.113.0/25\n2001:db8::/32\n"));
	expect_log("BEGIN genid=43\n"
		   "DEL inet filter allow4 0.0.0.0)\n"
		   "ADD inet filter allow4 [203.0.113.0 203.0.113.128)\n"
		   "NEWSET inet filter allow6 interval ipv6_addr\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db9::)\n"
		   "END\n");
	assert_int_equal(K.dumps, 1);  /* allow6 did not exist: nothing to dump */
	assert_string_equal(set_text("allow4"),
			    "[192.0.2.0 192.0.3.0) [203.0.113.0 203.0.113.128)");
	assert_string_equal(set_text("allow6"), "[2001:db8:: 2001:db9::)");
}

/* Without create = yes a missing set or table is an error, from live()
 * as from prepare(), and nothing is sent. */
static void
test_missing_set_refused(void **state)
{
	struct err err;
	struct pset *want = test_set("192.0.2.0/24\n2001:db8::/32\n");
	bool changed;

	(void)state;
	load(BOTH);
	assert_int_equal(run_once("192.0.2.0/24\n", NULL, &err), AT_LIVE);
	assert_string_equal(err.msg, "set inet filter allow4 not found (no such table)");
	assert_int_equal(O->type->prepare(O, &CTX, want, &changed, &err), -1);
	assert_string_equal(err.msg, "set inet filter allow4 not found (no such table)");

	/* A table of another family is not ours. */
	nft_table(NFPROTO_IPV4, "filter");
	assert_int_equal(run_once("192.0.2.0/24\n", NULL, &err), AT_LIVE);
	assert_string_equal(err.msg, "set inet filter allow4 not found (no such table)");

	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	assert_int_equal(O->type->prepare(O, &CTX, want, &changed, &err), -1);
	assert_string_equal(err.msg, "set inet filter allow6 not found");
	assert_int_equal(K.sends, 0);
	pset_free(want);
}

/* Sets allowsync must not touch: each refused with its one-line reason
 * (GETSET answers as nft declares them), before any dump, nothing sent. */
static void
test_wrong_sets_refused(void **state)
{
	static const struct {
		const char *conf;
		const char *name;
		uint32_t flags, key_type, key_len;
		const char *err;
	} cases[] = {
		{ "set4 = a", "a", NFT_SET_INTERVAL, NL_KEY_IPV6, 16,
		  "set inet filter a: key type is not ipv4_addr" },
		{ "set6 = b", "b", NFT_SET_INTERVAL, KEY_INET_SERVICE, 2,
		  "set inet filter b: key type is not ipv6_addr" },
		{ "set6 = c", "c", NFT_SET_INTERVAL, NL_KEY_IPV4, 4,
		  "set inet filter c: key type is not ipv6_addr" },
		/* Not what nft makes, but a key of the wrong length is not ours either. */
		{ "set4 = wide", "wide", NFT_SET_INTERVAL, NL_KEY_IPV4, 16,
		  "set inet filter wide: key type is not ipv4_addr" },
		{ "set4 = m", "m", NFT_SET_INTERVAL | NFT_SET_MAP, NL_KEY_IPV4, 4,
		  "set inet filter m is a map or concatenation, not a set of IPv4 addresses" },
		{ "set6 = o", "o", NFT_SET_OBJECT, NL_KEY_IPV6, 16,
		  "set inet filter o is a map or concatenation, not a set of IPv6 addresses" },
		{ "set4 = cc", "cc", NFT_SET_INTERVAL | NFT_SET_CONCAT, KEY_V4_SERVICE, 8,
		  "set inet filter cc is a map or concatenation, not a set of IPv4 addresses" },
		{ "set4 = plain", "plain", 0, NL_KEY_IPV4, 4,
		  "set inet filter plain lacks flags interval" },
		{ "set6 = plain6", "plain6", 0, NL_KEY_IPV6, 16,
		  "set inet filter plain6 lacks flags interval" },
		{ "set4 = expiring", "expiring", NFT_SET_INTERVAL | NFT_SET_TIMEOUT, NL_KEY_IPV4, 4,
		  "set inet filter expiring has the timeout flag: elements would expire" },
		{ "set6 = fixed", "fixed", NFT_SET_INTERVAL | NFT_SET_CONSTANT, NL_KEY_IPV6, 16,
		  "set inet filter fixed is constant" },
	};
	char body[128];
	struct err err;
	struct pset *want = test_set("192.0.2.0/24\n2001:db8::/32\n");
	bool changed;

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		nft_set(cases[i].name, cases[i].flags, cases[i].key_type, cases[i].key_len, 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "table = filter\n%s\ncreate = yes\n", cases[i].conf);
		load(body);
		assert_int_equal(run_once("192.0.2.0/24\n2001:db8::/32\n", NULL, &err), AT_LIVE);
		assert_string_equal(err.msg, cases[i].err);
		assert_int_equal(O->type->prepare(O, &CTX, want, &changed, &err), -1);
		assert_string_equal(err.msg, cases[i].err);
	}
	assert_int_equal(K.dumps, 0);
	assert_int_equal(K.sends, 0);
	pset_free(want);
}

/* A set nft filled (with its end element at 0): the delta deletes what
 * is no longer wanted — a changed interval as it is held, nft's
 * element at 0 too — adds what is new and leaves the rest alone. */
static void
test_delta_from_dump(void **state)
{
	struct pset *live = NULL, *expect;
	struct err err;
	bool changed;
	const char *want = "11.0.0.0/24\n12.0.0.0/23\n13.0.0.0/24\n15.0.0.0/24\n16.0.0.0/24\n"
			   "2001:db8::/48\n2001:db8:4::/48\n2001:db8:6::/48\n";

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "11.0.0.0/24\n12.0.0.0/24\n13.0.0.0/24\n14.0.0.0/24\n15.0.0.0/24\n");
	nft_add("allow6", "2001:db8::/48\n2001:db8:2::/48\n2001:db8:4::/48\n");
	load(BOTH);
	assert_int_equal(run_with_live(want, &changed, &live, &err), DONE);
	assert_true(changed);
	/* live() reads the intervals, not nft's bookkeeping element. */
	expect = test_set("11.0.0.0/24\n12.0.0.0/24\n13.0.0.0/24\n14.0.0.0/24\n15.0.0.0/24\n"
			  "2001:db8::/48\n2001:db8:2::/48\n2001:db8:4::/48\n");
	assert_true(pset_equal(live, expect));
	pset_free(expect);
	pset_free(live);
	expect_log("BEGIN genid=45\n"
		   "DEL inet filter allow4 0.0.0.0) [12.0.0.0 12.0.1.0) [14.0.0.0 14.0.1.0)\n"
		   "ADD inet filter allow4 [12.0.0.0 12.0.2.0) [16.0.0.0 16.0.1.0)\n"
		   "DEL inet filter allow6 ::) [2001:db8:2:: 2001:db8:3::)\n"
		   "ADD inet filter allow6 [2001:db8:6:: 2001:db8:7::)\n"
		   "END\n");
	assert_string_equal(set_text("allow4"), "[11.0.0.0 11.0.1.0) [12.0.0.0 12.0.2.0) "
						"[13.0.0.0 13.0.1.0) [15.0.0.0 15.0.1.0) "
						"[16.0.0.0 16.0.1.0)");
	assert_string_equal(set_text("allow6"), "[2001:db8:: 2001:db8:1::) [2001:db8:4:: 2001:db8:5::) "
						"[2001:db8:6:: 2001:db8:7::)");
	assert_record(46, want);
}

/* Most of the set replaced: one flush and the wanted ranges, same batch. */
static void
test_flush_when_most_goes(void **state)
{
	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "10.1.0.0/16\n10.3.0.0/16\n10.5.0.0/16\n10.7.0.0/16\n");
	nft_add("allow6", "2001:db8:1::/48\n2001:db8:3::/48\n");
	load(BOTH);
	assert_true(run_ok("10.1.0.0/16\n192.0.2.0/24\n198.51.100.0/24\n"
			   "2001:db8:1::/48\n2001:db8:3::/48\n2001:db8:7::/48\n"));
	expect_log("BEGIN genid=45\n"
		   "FLUSH inet filter allow4\n"
		   "ADD inet filter allow4 [10.1.0.0 10.2.0.0) [192.0.2.0 192.0.3.0) "
		   "[198.51.100.0 198.51.101.0)\n"
		   "DEL inet filter allow6 ::)\n"
		   "ADD inet filter allow6 [2001:db8:7:: 2001:db8:8::)\n"
		   "END\n");
	assert_string_equal(set_text("allow4"),
			    "[10.1.0.0 10.2.0.0) [192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0)");
	assert_string_equal(set_text("allow6"),
			    "[2001:db8:1:: 2001:db8:2::) [2001:db8:3:: 2001:db8:4::) "
			    "[2001:db8:7:: 2001:db8:8::)");
}

/* Intervals that reach the top of the address space have no end
 * element; a later dump of them matches what is wanted. */
static void
test_top_of_space(void **state)
{
	const char *want = "10.0.0.0/8\n255.255.255.0/24\n2001:db8::/32\nffff:ffff::/32\n";
	bool changed;
	struct err err;

	(void)state;
	load(BOTH "create = yes\n");
	assert_true(run_ok(want));
	expect_log("BEGIN genid=40\n"
		   "NEWTABLE inet filter\n"
		   "NEWSET inet filter allow4 interval ipv4_addr\n"
		   "ADD inet filter allow4 [10.0.0.0 11.0.0.0) [255.255.255.0\n"
		   "NEWSET inet filter allow6 interval ipv6_addr\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db9::) [ffff:ffff::\n"
		   "END\n");
	assert_string_equal(set_text("allow4"), "[10.0.0.0 11.0.0.0) [255.255.255.0");

	/* Someone commits elsewhere: dumped, found equal, nothing sent. */
	nft_table(NFPROTO_INET, "filter");
	assert_int_equal(run_once(want, &changed, &err), DONE);
	assert_false(changed);
	assert_int_equal(K.dumps, 2);
	assert_int_equal(K.sends, 1);

	/* Then shrink the top interval: it is deleted by its start alone. */
	assert_true(run_ok("10.0.0.0/8\n255.255.255.0/25\n2001:db8::/32\nffff:ffff::/32\n"));
	expect_log("BEGIN genid=42\n"
		   "DEL inet filter allow4 [255.255.255.0\n"
		   "ADD inet filter allow4 [255.255.255.0 255.255.255.128)\n"
		   "END\n");
}

/* Already as wanted: nothing sent, the dumped view is recorded so the
 * next run does not dump; a view that only differs by nft's element at
 * 0 deletes just that. */
static void
test_unchanged_recorded(void **state)
{
	const char *want = "192.0.2.0/24\n2001:db8::/32\n";
	bool changed;
	struct err err;

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "192.0.2.0/24\n");
	nft_add("allow6", "2001:db8::/32\n");
	load(BOTH);
	assert_true(run_ok(want));
	expect_log("BEGIN genid=45\n"
		   "DEL inet filter allow4 0.0.0.0)\n"
		   "DEL inet filter allow6 ::)\n"
		   "END\n");
	assert_record(46, want);

	/* Someone commits elsewhere: one dump, no batch, the view recorded. */
	nft_table(NFPROTO_INET, "filter");
	assert_int_equal(run_once(want, &changed, &err), DONE);
	assert_false(changed);
	assert_int_equal(K.dumps, 4);
	assert_int_equal(K.sends, 1);
	assert_record(47, want);
	assert_int_equal(run_once(want, &changed, &err), DONE);
	assert_false(changed);
	assert_int_equal(K.dumps, 4);
	assert_int_equal(K.sends, 1);
	expect_log("");
}

/* Changes behind our back move the generation: the set is dumped and
 * the difference undone. */
static void
test_drift_undone(void **state)
{
	const char *want = "192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n2a01:111::/32\n";

	(void)state;
	load(BOTH "create = yes\n");
	assert_true(run_ok(want));
	expect_log("BEGIN genid=40\n"
		   "NEWTABLE inet filter\n"
		   "NEWSET inet filter allow4 interval ipv4_addr\n"
		   "ADD inet filter allow4 [192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0)\n"
		   "NEWSET inet filter allow6 interval ipv6_addr\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db9::) [2a01:111:: 2a01:112::)\n"
		   "END\n");
	nft_add("allow4", "10.0.0.0/8\n");
	nft_delete("allow6", "2001:db8::/32\n");
	assert_true(run_ok(want));
	assert_int_equal(K.dumps, 2);
	expect_log("BEGIN genid=43\n"
		   "DEL inet filter allow4 0.0.0.0) [10.0.0.0 11.0.0.0)\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db9::)\n"
		   "END\n");
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0)");
	assert_string_equal(set_text("allow6"),
			    "[2001:db8:: 2001:db9::) [2a01:111:: 2a01:112::)");
	assert_record(44, want);

	/* Flushed by someone else: refilled (no flush of ours needed). */
	kset("allow4")->n = 0;
	K.rs.gen++;
	assert_true(run_ok(want));
	expect_log("BEGIN genid=45\n"
		   "ADD inet filter allow4 [192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0)\n"
		   "END\n");
}

/* The record stands for the kernel only for the same boot, network
 * namespace, generation, family, table and sets; anything else dumps. */
static void
test_record_not_trusted(void **state)
{
	const char *want = "192.0.2.0/24\n2001:db8::/32\n";
	struct err err;
	bool changed;
	const char *out;

	(void)state;
	load(BOTH "create = yes\n");
	assert_true(run_ok(want));
	assert_int_equal(K.dumps, 0);
	assert_false(run_ok(want));
	assert_int_equal(K.dumps, 0);

	snprintf(K.boot, sizeof(K.boot), "0b5e2d0c-8a4f-4d7e-b1c2-7e9a3f6d5c21");
	assert_false(run_ok(want));  /* rebooted (same generation by chance) */
	assert_int_equal(K.dumps, 2);
	assert_false(run_ok(want));  /* …and recorded again */
	assert_int_equal(K.dumps, 2);

	K.netns = 4026532281u;       /* another network namespace */
	assert_false(run_ok(want));
	assert_int_equal(K.dumps, 4);

	/* The same table and generation, another set for IPv6. */
	nft_set6("other6");
	nft_add("other6", "2001:db8::/32\n");
	K.log[0] = '\0';
	{  /* a record of the current generation */
		struct nftstate st;

		record_load(&st);
		st.gen = K.rs.gen;
		assert_int_equal(nftstate_save(record_path(), &st, st.ranges, &err), 0);
		nftstate_release(&st);
	}
	load("table = filter\nset4 = allow4\nset6 = other6\n");
	assert_true(run_ok(want));  /* dumped: nft's element at 0 goes */
	expect_log("BEGIN genid=43\nDEL inet filter other6 ::)\nEND\n");
	assert_int_equal(K.dumps, 6);

	/* A damaged record: said so, dumped. */
	FILE *f = fopen(record_path(), "w");
	assert_non_null(f);
	fputs("allowsync-nft-state 2\nboot", f);
	fclose(f);
	capture_start();
	assert_int_equal(run_once(want, &changed, &err), DONE);
	out = capture_end();
	assert_false(changed);
	assert_non_null(strstr(out, "output \"fw\": "));
	assert_non_null(strstr(out, "fw.nft: malformed state file: dumping the sets instead"));
	assert_int_equal(K.dumps, 8);
}

/* A record that lies (same generation, other content): the delta taken
 * from it is refused, nothing applied, and the batch rebuilt from a
 * dump. */
static void
test_record_lies(void **state)
{
	struct err err;
	bool changed;
	const char *out;

	(void)state;
	load(BOTH "create = yes\n");
	assert_true(run_ok("192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n"));
	K.log[0] = '\0';
	/* Behind the record's back, without a commit. */
	kset("allow4")->n = 0;
	elem_put(kset("allow4"), 0x0a000000u, false);
	elem_put(kset("allow4"), 0x0a000100u, true);
	elem_put(kset("allow4"), 0xc6336400u, false);
	elem_put(kset("allow4"), 0xc6336500u, true);

	capture_start();
	assert_int_equal(run_once("198.51.100.0/24\n2001:db8::/32\n", &changed, &err), DONE);
	out = capture_end();
	assert_true(changed);
	assert_non_null(strstr(out, "output \"fw\": deleting from set allow4: No such file or "
				    "directory: retrying with a fresh view"));
	expect_log("BEGIN genid=41\n"
		   "DEL inet filter allow4 [192.0.2.0 192.0.3.0)\n"
		   "END\n"
		   "BEGIN genid=41\n"
		   "DEL inet filter allow4 [10.0.0.0 10.0.1.0)\n"
		   "END\n");
	assert_int_equal(K.dumps, 2);
	assert_string_equal(set_text("allow4"), "[198.51.100.0 198.51.101.0)");
	assert_record(42, "198.51.100.0/24\n2001:db8::/32\n");
}

/* Someone commits between our view and our batch: ERESTART, nothing
 * applied, a new view and a new delta that also undoes their change. */
static void
test_restart_new_view(void **state)
{
	const char *text = "192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n"
			   "2001:db8::/48\n2001:db8:2::/48\n";
	struct pset *want = test_set(text);
	struct err err;
	bool changed;

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "192.0.2.0/24\n198.51.100.0/24\n");
	load(BOTH);
	assert_int_equal(O->type->prepare(O, &CTX, want, &changed, &err), 0);
	assert_true(changed);
	nft_add("allow4", "10.0.0.0/8\n");
	assert_int_equal(O->type->commit(O, &CTX, &err), 0);
	expect_log("BEGIN genid=44\n"
		   "DEL inet filter allow4 0.0.0.0)\n"
		   "ADD inet filter allow4 [203.0.113.0 203.0.114.0)\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db8:1::) [2001:db8:2:: 2001:db8:3::)\n"
		   "END\n"
		   "BEGIN genid=45\n"
		   "DEL inet filter allow4 0.0.0.0) [10.0.0.0 11.0.0.0)\n"
		   "ADD inet filter allow4 [203.0.113.0 203.0.114.0)\n"
		   "ADD inet filter allow6 [2001:db8:: 2001:db8:1::) [2001:db8:2:: 2001:db8:3::)\n"
		   "END\n");
	assert_int_equal(K.sends, 2);
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0) "
						"[203.0.113.0 203.0.114.0)");
	assert_string_equal(set_text("allow6"), "[2001:db8:: 2001:db8:1::) [2001:db8:2:: 2001:db8:3::)");
	assert_record(46, text);
	pset_free(want);
}

/* A ruleset that never stands still: after three refusals the last
 * attempt replaces each set whole, without a generation check. */
static void
test_ruleset_keeps_moving(void **state)
{
	struct err err;
	bool changed;
	const char *out;
	const char *want = "192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n2001:db8::/32\n";

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "10.0.0.0/8\n192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n");
	load(BOTH);
	K.churn = 3;
	capture_start();
	assert_int_equal(run_once(want, &changed, &err), DONE);
	out = capture_end();
	assert_true(changed);
	assert_non_null(strstr(out, "output \"fw\": the ruleset keeps moving: replacing the whole set"));
	assert_int_equal(K.sends, 4);
	const char *delta = "DEL inet filter allow4 0.0.0.0) [10.0.0.0 11.0.0.0)\n"
			    "ADD inet filter allow6 [2001:db8:: 2001:db9::)\n"
			    "END\n";
	char expect[2048];
	snprintf(expect, sizeof(expect),
		 "BEGIN genid=44\n%sBEGIN genid=45\n%sBEGIN genid=46\n%s"
		 "BEGIN\n"
		 "FLUSH inet filter allow4\n"
		 "ADD inet filter allow4 [192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0) "
		 "[203.0.113.0 203.0.114.0)\n"
		 "FLUSH inet filter allow6\n"
		 "ADD inet filter allow6 [2001:db8:: 2001:db9::)\n"
		 "END\n", delta, delta, delta);
	expect_log(expect);
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0) "
						"[203.0.113.0 203.0.114.0)");
	assert_string_equal(set_text("allow6"), "[2001:db8:: 2001:db9::)");
	assert_record(48, want);
}

/* Someone commits right after us: the record cannot vouch for the set
 * (generation 0), so the next run dumps. */
static void
test_commit_right_after_ours(void **state)
{
	const char *want = "192.0.2.0/24\n2001:db8::/32\n";

	(void)state;
	load(BOTH "create = yes\n");
	K.commit_after = true;
	assert_true(run_ok(want));
	assert_record(0, want);
	K.commit_after = false;
	assert_false(run_ok(want));
	assert_int_equal(K.dumps, 2);
	assert_int_equal(K.sends, 1);
	assert_record(42, want);
}

/* A batch that would leave a set empty is never built, whether the
 * view comes from a dump or from the record. */
static void
test_refuse_to_empty(void **state)
{
	struct err err;

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set4("allow4");
	nft_set6("allow6");
	nft_add("allow4", "192.0.2.0/24\n198.51.100.0/24\n");
	load(BOTH);
	assert_int_equal(run_once("2001:db8::/32\n", NULL, &err), AT_PREPARE);
	/* nft's element at 0 counts: it is live too. */
	assert_string_equal(err.msg,
			    "set inet filter allow4: refusing to empty it (3 ranges live, none wanted)");
	assert_int_equal(K.sends, 0);

	assert_true(run_ok("192.0.2.0/24\n2001:db8::/32\n"));
	assert_int_equal(K.dumps, 4);
	assert_int_equal(run_once("192.0.2.0/24\n", NULL, &err), AT_PREPARE);
	assert_string_equal(err.msg,
			    "set inet filter allow6: refusing to empty it (1 ranges live, none wanted)");
	assert_int_equal(K.dumps, 4);  /* from the record */
	assert_int_equal(K.sends, 1);

	/* An empty set with nothing wanted is fine as it is. */
	load("table = filter\nset4 = allow4\nset6 = empty6\n");
	nft_set6("empty6");
	assert_false(run_ok("192.0.2.0/24\n"));
	assert_int_equal(K.sends, 1);
}

/* A declared size smaller than the ranges is refused before sending;
 * one that fits is used. */
static void
test_size_too_small(void **state)
{
	struct err err;

	(void)state;
	nft_table(NFPROTO_INET, "filter");
	nft_set("allow4", NFT_SET_INTERVAL, NL_KEY_IPV4, 4, 2);
	nft_set("allow6", NFT_SET_INTERVAL, NL_KEY_IPV6, 16, 1);
	load(BOTH);
	assert_int_equal(run_once("192.0.2.0/24\n198.51.100.0/24\n203.0.113.0/24\n", NULL, &err),
			 AT_PREPARE);
	assert_string_equal(err.msg, "set inet filter allow4: size 2 is too small for 3 ranges");
	assert_int_equal(run_once("192.0.2.0/24\n2001:db8::/48\n2001:db8:2::/48\n", NULL, &err),
			 AT_PREPARE);
	assert_string_equal(err.msg, "set inet filter allow6: size 1 is too small for 2 ranges");
	assert_int_equal(K.sends, 0);
	assert_true(run_ok("192.0.2.0/24\n198.51.100.0/24\n2001:db8::/32\n"));
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0) [198.51.100.0 198.51.101.0)");
	assert_string_equal(set_text("allow6"), "[2001:db8:: 2001:db9::)");
}

/* Without set6 the IPv6 ranges are dropped (said so), the record holds
 * only what was applied, and the next run is unchanged from it. */
static void
test_dropped_family(void **state)
{
	const char *want = "192.0.2.0/24\n2001:db8::/48\n2001:db8:2::/48\n";
	struct err err;
	bool changed;
	const char *out;

	(void)state;
	load("table = filter\nset4 = allow4\ncreate = yes\n");
	capture_start();
	assert_int_equal(run_once(want, &changed, &err), DONE);
	out = capture_end();
	assert_true(changed);
	assert_non_null(strstr(out, "output \"fw\": 2 IPv6 ranges dropped: no set6 configured"));
	expect_log("BEGIN genid=40\n"
		   "NEWTABLE inet filter\n"
		   "NEWSET inet filter allow4 interval ipv4_addr\n"
		   "ADD inet filter allow4 [192.0.2.0 192.0.3.0)\n"
		   "END\n");
	assert_record(41, "192.0.2.0/24\n");
	assert_false(run_ok(want));
	assert_int_equal(K.dumps, 0);
	assert_int_equal(K.sends, 1);
}

/* Tables of family ip and ip6: the messages and the errors name them. */
static void
test_families_ip_ip6(void **state)
{
	struct err err;

	(void)state;
	load("family = ip\ntable = mail\nset4 = allow4\ncreate = yes\n");
	assert_string_equal(O->target, "nft ip mail allow4 -");
	assert_true(run_ok("192.0.2.0/24\n"));
	expect_log("BEGIN genid=40\n"
		   "NEWTABLE ip mail\n"
		   "NEWSET ip mail allow4 interval ipv4_addr\n"
		   "ADD ip mail allow4 [192.0.2.0 192.0.3.0)\n"
		   "END\n");

	memset(&K.rs, 0, sizeof(K.rs));
	K.rs.gen = 50;
	unlink(record_path());
	load("family = ip6\ntable = mail\nset6 = allow6\n");
	assert_string_equal(O->target, "nft ip6 mail - allow6");
	assert_int_equal(run_once("2001:db8::/32\n", NULL, &err), AT_LIVE);
	assert_string_equal(err.msg, "set ip6 mail allow6 not found (no such table)");
	nft_table(NFPROTO_IPV6, "mail");
	nft_set6("allow6");
	nft_add("allow6", "2001:db8::/48\n");
	assert_true(run_ok("2001:db8::/48\n2001:db8:2::/48\n"));
	expect_log("BEGIN genid=53\n"
		   "DEL ip6 mail allow6 ::)\n"
		   "ADD ip6 mail allow6 [2001:db8:2:: 2001:db8:3::)\n"
		   "END\n");
}

/* The kernel's refusals reach the caller with the object named; a lost
 * answer (ENOBUFS) also drops the record, since what was applied is
 * then unknown. */
static void
test_kernel_errors(void **state)
{
	const char *want = "192.0.2.0/24\n2001:db8::/32\n";
	struct err err;
	struct stat sb;

	(void)state;
	load(BOTH "create = yes\n");
	K.table_err = -EPERM;
	assert_int_equal(run_once(want, NULL, &err), AT_LIVE);
	assert_string_equal(err.msg, "table inet filter: needs CAP_NET_ADMIN (reading the table: "
				 "Operation not permitted)");
	K.table_err = 0;

	assert_true(run_ok(want));
	K.send_err = -EPERM;
	K.send_why = "needs CAP_NET_ADMIN (sending the transaction: Operation not permitted)";
	assert_int_equal(run_once("192.0.2.0/25\n2001:db8::/32\n", NULL, &err), AT_COMMIT);
	assert_string_equal(err.msg, K.send_why);
	assert_int_equal(stat(record_path(), &sb), 0);  /* the set is as recorded */
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0)");

	K.send_err = -ENOBUFS;
	K.send_why = "reading the kernel's answer: No buffer space available";
	assert_int_equal(run_once("192.0.2.0/25\n2001:db8::/32\n", NULL, &err), AT_COMMIT);
	assert_string_equal(err.msg, K.send_why);
	assert_int_equal(stat(record_path(), &sb), -1);
	assert_int_equal(K.dumps, 0);
	assert_true(run_ok("192.0.2.0/25\n2001:db8::/32\n"));
	assert_int_equal(K.dumps, 2);

	kset("allow6")->catchall = true;
	K.rs.gen++;
	assert_int_equal(run_once(want, NULL, &err), AT_LIVE);
	assert_string_equal(err.msg, "set inet filter allow6: holds a catch-all element");
}

/* A commit the kernel refused leaves no plan behind: a later prepare
 * (without live() in between) plans afresh against the kernel, and never
 * sends the refused batch. */
static void
test_failed_commit_forgets_plan(void **state)
{
	struct pset *old = test_set("192.0.2.0/24\n2001:db8::/32\n");
	struct pset *new = test_set("192.0.2.0/25\n2001:db8::/32\n");
	struct err err;
	bool changed = true;

	(void)state;
	load(BOTH "create = yes\n");
	assert_true(run_ok("192.0.2.0/24\n2001:db8::/32\n"));
	K.send_err = -EPERM;
	K.send_why = "needs CAP_NET_ADMIN (sending the transaction: Operation not permitted)";
	assert_int_equal(run_once("192.0.2.0/25\n2001:db8::/32\n", NULL, &err), AT_COMMIT);
	K.send_err = 0;

	/* What the kernel holds is what was there: nothing to do. */
	assert_int_equal(O->type->prepare(O, &CTX, old, &changed, &err), 0);
	assert_false(changed);
	assert_int_equal(O->type->commit(O, &CTX, &err), 0);
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.3.0)");

	assert_int_equal(O->type->prepare(O, &CTX, new, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(O->type->commit(O, &CTX, &err), 0);
	assert_string_equal(set_text("allow4"), "[192.0.2.0 192.0.2.128)");
	pset_free(new);
	pset_free(old);
}

/* show: the nft commands that would fill the sets. */
static void
test_render(void **state)
{
	struct pset *want = test_set("192.0.2.0/24\n198.51.100.1-198.51.100.6\n2001:db8::/32\n");
	char *text = NULL;
	size_t len = 0;
	FILE *m;

	(void)state;
	load(BOTH);
	assert_string_equal(O->target, "nft inet filter allow4 allow6");
	m = open_memstream(&text, &len);
	assert_non_null(m);
	assert_int_equal(O->type->render(O, want, m), 0);
	fclose(m);
	assert_string_equal(text, "add element inet filter allow4 {\n"
				  "\t192.0.2.0/24,\n"
				  "\t198.51.100.1-198.51.100.6\n"
				  "}\n"
				  "add element inet filter allow6 {\n"
				  "\t2001:db8::/32\n"
				  "}\n");
	free(text);
	pset_free(want);
	assert_int_equal(K.opens, 0);  /* nothing asked of the kernel */
}

/* Configuration refusals, each with its reason. */
static void
test_configure_refusals(void **state)
{
	static const struct {
		const char *body;
		const char *reason;
	} cases[] = {
		{ "family = bridge\ntable = filter\nset4 = a\n",
		  "[output fw] family = bridge: use inet, ip or ip6" },
		{ "table = 1filter\nset4 = a\n", "[output fw] table = 1filter: not a valid nftables name" },
		{ "table = filter\nset6 = a b\n", "[output fw] set6 = a b: not a valid nftables name" },
		{ "table = filter\n", "[output fw] needs set4, set6 or both" },
		{ "table = filter\nset4 = a\nset6 = a\n", "[output fw] set4 and set6 name the same set" },
		{ "table = filter\nset4 = a\ncreate = maybe\n", "[output fw] create = maybe: " },
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
		cmocka_unit_test_setup_teardown(test_create_table_and_sets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_missing_set_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_set_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_sets_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delta_from_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_when_most_goes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_of_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unchanged_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drift_undone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_not_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_lies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_new_view, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ruleset_keeps_moving, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_right_after_ours, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_to_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_too_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dropped_family, setup, teardown),
		cmocka_unit_test_setup_teardown(test_families_ip_ip6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_commit_forgets_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_render, setup, teardown),
		cmocka_unit_test_setup_teardown(test_configure_refusals, setup, teardown),
	};

	log_set_level(LOG_LVL_ERR);
	return cmocka_run_group_tests_name("out_nft", tests, NULL, NULL);
}
