/* spf — expand an SPF record (RFC 7208) into the addresses it authorizes.
 *
 * For allowlisting, not for checking one client: the result is the set
 * of every address for which check_host() would return "pass", computed
 * over the whole tree of include/redirect/a/mx, completely or not at
 * all.  The tree is resolved breadth-first: every lookup is issued as
 * soon as the answer it depends on arrives, so a tree of depth d takes
 * about d round trips however wide it is.
 *
 * Evaluation follows SPF's first-match rule with sets: walking the terms
 * in order, a term's addresses minus those decided by earlier terms go
 * to the term's qualifier.  Only pass ("+") terms allow; an earlier "-",
 * "~" or "?" term removes its addresses from later pass terms.  An
 * include contributes the addresses its target passes; redirect= (only
 * without `all`) hands the undecided addresses to its target.
 *
 * Refused, with a reason naming the record: no record or two records at
 * a name, syntax errors, unknown mechanisms, a pass `all` that is
 * reached (it would allow the world), include/redirect loops, more than
 * max_lookups DNS-querying terms, more than 2 void lookups, more than 10
 * MX names; ptr, exists and %{…} macros (which depend on the client)
 * unless `partial` is set, in which case they are skipped with a warning
 * and the result is marked partial.  Any temporary DNS error (SERVFAIL,
 * timeout, malformed answer) anywhere fails the whole expansion.
 */
#ifndef ALLOWSYNC_SPF_H
#define ALLOWSYNC_SPF_H

#include "dns.h"
#include "err.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>

/* The DNS layer spf uses; dns.c in production, a fake in unit tests.
 * query() queues a lookup whose answer comes through cb during run();
 * cb may queue further lookups.  run() returns when nothing is pending. */
struct spf_resolver {
	int (*query)(void *ctx, const char *name, enum dns_type type, dns_cb cb, void *arg);
	int (*run)(void *ctx);
	void *ctx;
};

/* A resolver over a struct dns. */
void spf_resolver_dns(struct spf_resolver *r, struct dns *d);

struct spf_opts {
	unsigned max_lookups;  /* 0 = 10 (RFC 7208 4.6.4) */
	unsigned max_void;     /* 0 = 2 */
	unsigned max_mx;       /* 0 = 10 */
	bool partial;          /* skip ptr/exists/macros instead of failing */
};

enum spf_status {
	SPF_OK,
	SPF_PERMERROR,  /* the published records are unusable as they are */
	SPF_TEMPERROR,  /* DNS failed somewhere: try again later */
	SPF_REFUSED,    /* pass `all`: it would allow the whole address space */
	SPF_UNFLATTENABLE, /* ptr/exists/macro without `partial` */
};

struct spf_result {
	enum spf_status status;
	char warning[512];   /* what `partial` left out ("" when nothing) */
	bool partial;        /* something was left out */
	bool none;           /* the top name has no v=spf1 record (RFC 7208 "none") */
	/* Sets by qualifier of the top-level record (pass is what to allow);
	 * `pass` must be given, the others may be NULL.  Unmatched addresses
	 * are neutral.  Filled only on SPF_OK. */
	struct pset *pass, *fail, *softfail, *neutral;
	/* Statistics. */
	unsigned lookups;    /* DNS-querying terms, as counted against the limit */
	unsigned voids;      /* void lookups */
	unsigned records;    /* SPF records read */
	unsigned queries;    /* DNS queries sent */
	unsigned depth;      /* deepest include/redirect level (top = 0) */
};

const char *spf_status_str(enum spf_status s);

/* A name SPF can look up: labels of 1..63 printable characters, at least
 * two labels, 253 characters at most (a trailing dot allowed). */
bool spf_domain_ok(const char *domain);

/* Expand the SPF record of `domain`.  Returns 0 on SPF_OK, else -1 with
 * res->status set and err saying why (one line). */
int spf_expand(const char *domain, const struct spf_opts *o, const struct spf_resolver *rv,
	       struct spf_result *res, struct err *err);

/* Select the SPF record among a name's TXT records: exactly one must
 * start with "v=spf1" (case-insensitive) followed by a space or the end.
 * Returns its index, -1 when there is none, -2 when there are several. */
int spf_select(const struct dns_txt *txt, size_t n);

#endif
