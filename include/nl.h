/* nl — nf_tables over netlink (libmnl + libnftnl): the socket, the
 * ruleset generation, set properties, element dumps, and transaction
 * batches of interval elements.
 *
 * A batch is one BEGIN … END transaction, sent in a single sendmsg so
 * the kernel applies all of it or none of it.  Element lists are paged
 * across NEWSETELEM/DELSETELEM messages because a netlink attribute
 * length is 16 bits: the element nest of one message must stay under
 * 64 KiB.  A batch may carry the generation it was computed against
 * (NFNL_BATCH_GENID): if the ruleset moved in between, the kernel
 * refuses the whole batch with ERESTART instead of applying a delta
 * computed from a stale view.
 *
 * Functions return 0 or a negative errno and write a one-line reason
 * (without the object name; callers prefix it) into `err`.
 */
#ifndef ALLOWSYNC_NL_H
#define ALLOWSYNC_NL_H

#include "err.h"
#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One interval as the kernel holds it: a start element at `lo` and,
 * unless the interval runs to the top of the address space, an end
 * element (NFT_SET_ELEM_INTERVAL_END) at hi + 1.  `has_end` is false
 * for an interval whose end element is missing; `stray` marks a lone
 * end element (lo == hi == its key) that starts nothing — nft adds one
 * at address 0 for its own bookkeeping. */
struct nl_range {
	u128 lo;
	u128 hi;
	bool has_end;
	bool stray;
};

/* A list of ranges of one family, in address order. */
struct nl_ranges {
	struct nl_range *v;
	size_t n;
	size_t cap;
};

void nl_ranges_init(struct nl_ranges *r);
void nl_ranges_release(struct nl_ranges *r);
/* Make room for n more ranges.  -1 on ENOMEM. */
int nl_ranges_reserve(struct nl_ranges *r, size_t n);
/* Append a copy of x.  -1 on ENOMEM. */
int nl_ranges_append(struct nl_ranges *r, const struct nl_range *x);
/* Append a canonical interval (end element present unless hi is the
 * family's top address).  -1 on ENOMEM. */
int nl_ranges_push(struct nl_ranges *r, enum pfx_family fam, u128 lo, u128 hi);

/* Intervals of one family in address order, as a delta reads them:
 * either a list (the kernel's, as nl_elems_to_ranges gives them) or a
 * merged set's ranges, read in place as canonical intervals (the view
 * from the state record, the wanted set) instead of being copied into a
 * list of 48-byte intervals first, which cost more than the rest of an
 * unchanged run's planning. */
struct pset;
struct nl_seq {
	const struct nl_ranges *list; /* exactly one of the two */
	const struct pset *set;
};
#define NL_SEQ_LIST(r) ((struct nl_seq){ .list = (r), .set = NULL })
#define NL_SEQ_SET(s) ((struct nl_seq){ .list = NULL, .set = (s) })

/* The exact update from `live` (the kernel's intervals) to `want`
 * (canonical): identical intervals are counted in *keep and left alone;
 * every other live interval goes to `del` (with the elements the kernel
 * holds), every other wanted one to `add`.  Deleting `del`, then adding
 * `add`, leaves exactly `want`.  -1 on ENOMEM. */
int nl_ranges_delta(enum pfx_family fam, struct nl_seq live, struct nl_seq want,
		    struct nl_ranges *add, struct nl_ranges *del, size_t *keep);

/* Properties of a set, read with NFT_MSG_GETSET. */
struct nl_setinfo {
	uint32_t flags;     /* NFT_SET_* */
	uint32_t key_type;  /* nft datatype id: 7 ipv4_addr, 8 ipv6_addr */
	uint32_t key_len;   /* bytes */
	uint32_t size;      /* declared size, 0 = unlimited */
	uint64_t handle;
};

#define NL_KEY_IPV4 7u
#define NL_KEY_IPV6 8u

/* Where an nftables name goes: the rule for it differs. */
enum nl_name_kind {
	/* A table or set named over netlink: nft's rule (a letter or '_',
	 * then letters, digits, '_', '.' and '-'), under NFT_NAME_MAXLEN
	 * bytes as the kernel wants. */
	NL_NAME_NETLINK,
	/* A set or define written into a file for nft -f: letters, digits
	 * and '_' only, after a letter or '_', as nft-file always took. */
	NL_NAME_FILE,
};

/* Is s a valid name of that kind? */
bool nl_name_valid(const char *s, enum nl_name_kind kind);

/* NFPROTO_* of "inet", "ip", "ip6"; -1 for anything else. */
int nl_family_parse(const char *name);
const char *nl_family_name(int family);

/* ---- the socket --------------------------------------------------- */

struct nl_sock;

/* Opens NETLINK_NETFILTER with extended ACKs and capped ACKs. */
int nl_open(struct nl_sock **out, struct err *err);
void nl_close(struct nl_sock *s);

/* Cookie of the network namespace the socket lives in (never reused
 * within one boot), 0 if the kernel cannot tell. */
uint64_t nl_netns_cookie(const struct nl_sock *s);

/* NFT_MSG_GETGEN: the ruleset generation, bumped by every commit. */
int nl_getgen(struct nl_sock *s, uint32_t *gen, struct err *err);

/* Does the table exist?  0 yes, -ENOENT no, other negative on error. */
int nl_get_table(struct nl_sock *s, int family, const char *table, struct err *err);

/* NFT_MSG_GETSET of one set.  -ENOENT when the table or set is absent. */
int nl_get_set(struct nl_sock *s, int family, const char *table, const char *set,
	       struct nl_setinfo *info, struct err *err);

/* NFT_MSG_GETSETELEM dump of an interval set, turned back into
 * intervals in address order (see struct nl_range). */
int nl_dump_ranges(struct nl_sock *s, int family, const char *table, const char *set,
		   enum pfx_family fam, struct nl_ranges *out, struct err *err);

/* Turn raw elements (key, NFT_SET_ELEM_* flags) into intervals; sorts
 * `keys`/`flags` in place.  Exposed for the unit tests. */
struct nl_elem {
	u128 key;
	uint32_t flags;
};
int nl_elems_to_ranges(enum pfx_family fam, struct nl_elem *e, size_t n,
		       struct nl_ranges *out);

/* ---- batches ------------------------------------------------------ */

struct nl_batch;

/* `seq` is the first sequence number; `genid` (0 = none) is checked by
 * the kernel against the current generation.  BEGIN is written here. */
struct nl_batch *nl_batch_new(uint32_t seq, uint32_t genid);
void nl_batch_free(struct nl_batch *b);

/* NEWTABLE / NEWSET (flags interval, key of `fam`), created if absent. */
int nl_batch_add_table(struct nl_batch *b, int family, const char *table);
int nl_batch_add_set(struct nl_batch *b, int family, const char *table, const char *set,
		     enum pfx_family fam);

/* DELSETELEM without elements: flush.  Refused (-EINVAL) unless the
 * same batch also adds elements to that set: a flush-only batch would
 * empty an allowlist. */
int nl_batch_flush_set(struct nl_batch *b, int family, const char *table, const char *set);

/* NEWSETELEM (add) or DELSETELEM (del) of every interval in `r`, as
 * start and end elements, paged under the 64 KiB nest limit.  A pair
 * never straddles two messages. */
int nl_batch_add_ranges(struct nl_batch *b, int family, const char *table, const char *set,
			enum pfx_family fam, const struct nl_range *r, size_t n);
int nl_batch_del_ranges(struct nl_batch *b, int family, const char *table, const char *set,
			enum pfx_family fam, const struct nl_range *r, size_t n);

/* Writes END; no message may be added afterwards.  -EINVAL when a set
 * is flushed without elements added. */
int nl_batch_end(struct nl_batch *b);

/* Messages between BEGIN and END, and total bytes. */
size_t nl_batch_msgs(const struct nl_batch *b);
size_t nl_batch_bytes(const struct nl_batch *b);

/* Call fn for every message of the batch, BEGIN and END included, in
 * order (for the tests; the buffer may span several pages). */
typedef int (*nl_msg_fn)(void *ctx, const void *msg, size_t len);
int nl_batch_each(const struct nl_batch *b, nl_msg_fn fn, void *ctx);

/* Send the batch and read every ACK.  Returns 0 when committed;
 * -ERESTART when the generation moved (nothing applied); another
 * negative errno with the kernel's reason (and the element concerned,
 * when the extended ACK points at one) when refused. */
int nl_batch_send(struct nl_sock *s, struct nl_batch *b, struct err *err);

#endif
