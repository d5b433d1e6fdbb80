/* dns — many DNS queries in flight at once, over c-ares.
 *
 * A resolver talks to the servers given (`ADDR[:PORT] …`, IPv6 as
 * `[ADDR]:PORT`) or to those of /etc/resolv.conf.  Queries are issued
 * with dns_query() and answered through callbacks while dns_run() turns
 * the event loop; a callback may issue further queries, so a caller can
 * walk a tree of names breadth-first with every independent query in
 * flight together.  Truncated UDP answers are retried over TCP (c-ares
 * does that).  Every query has a per-try timeout and a number of tries;
 * dns_run() has an overall deadline after which whatever is still
 * pending is answered with DNS_TIMEOUT.
 *
 * The answer's status separates what SPF calls a void lookup (the name
 * does not exist, or has no record of the type) from a temporary error
 * (SERVFAIL, timeout, malformed answer…), which must never be mistaken
 * for "no addresses".
 */
#ifndef ALLOWSYNC_DNS_H
#define ALLOWSYNC_DNS_H

#include "err.h"
#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>

enum dns_type { DNS_T_A, DNS_T_AAAA, DNS_T_MX, DNS_T_TXT };

enum dns_status {
	DNS_OK,         /* at least one record of the type */
	DNS_NXDOMAIN,   /* void: the name does not exist */
	DNS_NODATA,     /* void: the name exists, no record of the type */
	DNS_SERVFAIL,   /* temporary: the server failed or refused */
	DNS_UNREACHABLE, /* temporary: no server could be reached */
	DNS_TIMEOUT,    /* temporary: no answer in time */
	DNS_MALFORMED,  /* temporary: an answer that cannot be parsed */
	DNS_BADNAME,    /* the query name itself is not a valid name */
	DNS_ERROR,      /* anything else (out of memory, no servers…) */
};

/* A void lookup in RFC 7208's sense. */
static inline bool
dns_status_void(enum dns_status s)
{
	return s == DNS_NXDOMAIN || s == DNS_NODATA;
}

/* A temporary error: retrying later may give a different answer. */
static inline bool
dns_status_temp(enum dns_status s)
{
	return s == DNS_SERVFAIL || s == DNS_UNREACHABLE || s == DNS_TIMEOUT ||
	       s == DNS_MALFORMED || s == DNS_ERROR;
}

const char *dns_status_str(enum dns_status s);
const char *dns_type_str(enum dns_type t);

struct dns_addr {
	enum pfx_family fam;
	u128 addr;
};

struct dns_mx {
	unsigned pref;
	char *host;
};

/* One TXT record: its character-strings concatenated without separator
 * (RFC 7208 3.3); `len` bytes, NUL-terminated for convenience (the
 * record itself may contain NUL bytes). */
struct dns_txt {
	char *s;
	size_t len;
};

/* An answer.  Only the array of the queried type is filled; it lives
 * until the callback returns. */
struct dns_reply {
	enum dns_status status;
	enum dns_type type;
	const char *name;
	size_t n;
	struct dns_addr *addr;  /* A, AAAA */
	struct dns_mx *mx;      /* MX */
	struct dns_txt *txt;    /* TXT */
};

typedef void (*dns_cb)(void *arg, const struct dns_reply *r);

struct dns_opts {
	const char *servers;  /* "ADDR[:PORT] …" (spaces or commas); NULL/"" = resolv.conf */
	int try_ms;           /* per try; 0 = 2000 */
	int tries;            /* 0 = 2 */
	int total_ms;         /* dns_run's deadline; 0 = 30000 */
};

struct dns;

/* NULL on failure with err set (bad server list, c-ares failure). */
struct dns *dns_new(const struct dns_opts *o, struct err *err);
void dns_free(struct dns *d);

/* Check a server list without creating a resolver: 0 when valid, else
 * -1 with err naming the bad entry. */
int dns_servers_check(const char *servers, struct err *err);

/* Queue one query.  The callback runs from dns_run() (or from within
 * dns_query itself for immediate failures).  0, or -1 if it could not
 * be queued (the callback is then not called). */
int dns_query(struct dns *d, const char *name, enum dns_type type, dns_cb cb, void *arg);

/* Turn the event loop until no query is pending, or until the overall
 * deadline (counted from the first dns_run call) passes; pending queries
 * are then answered with DNS_TIMEOUT.  Returns the number of queries
 * answered with a timeout by the deadline. */
int dns_run(struct dns *d);

/* Queries answered so far (for tests and statistics). */
unsigned long dns_queries(const struct dns *d);

#endif
