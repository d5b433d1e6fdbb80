/* spfzone — an inventory as SPF TXT records, in zone-file syntax.
 *
 * The records for DOMAIN are a top record and, when one record cannot
 * hold everything, numbered sub-records s1.DOMAIN … sK.DOMAIN that the
 * top record includes:
 *
 *   spf.example.com.    3600 IN TXT "v=spf1 include:s1.spf.example.com ip4:… -all"
 *   s1.spf.example.com. 3600 IN TXT "v=spf1 ip4:… ip4:…" " ip6:… -all"
 *
 * Every character-string is at most 255 bytes and split between terms;
 * every record fits, with its question, in a 512-byte UDP answer without
 * EDNS; K is at most SPFZONE_MAX_INCLUDES so that a domain including the
 * top record spends at most 10 DNS lookups on it (RFC 7208 4.6.4).
 * Addresses are the minimal CIDR cover (ip4:a.b.c.d without /32).
 */
#ifndef ALLOWSYNC_SPFZONE_H
#define ALLOWSYNC_SPFZONE_H

#include "err.h"
#include "pset.h"

#include <stddef.h>
#include <stdint.h>

/* The include from the customer's own record counts one lookup. */
#define SPFZONE_MAX_INCLUDES 9
/* A DNS answer over UDP without EDNS (RFC 1035 4.2.1). */
#define SPFZONE_UDP_MAX 512
#define SPFZONE_STRING_MAX 255

struct spfzone_rec {
	char *name;     /* absolute, without the final dot */
	char **strings; /* the character-strings, in order */
	size_t n_strings;
	size_t rdlen;   /* TXT RDATA length: strings plus their length bytes */
	size_t answer;  /* bytes of the UDP response answering the TXT query */
};

struct spfzone {
	struct spfzone_rec *rec; /* rec[0] is the top record */
	size_t n;
};

/* NULL when `domain` can carry the records, else why not. */
const char *spfzone_domain_check(const char *domain);

/* Lay out the records for `set` (merged).  0 with *out set, or -1 with
 * err: an inventory that does not fit says how much does. */
int spfzone_build(const struct pset *set, const char *domain, struct spfzone **out,
		  struct err *err);
void spfzone_free(struct spfzone *z);

/* The zone-file text (malloc'd); `comment` goes in the header line. */
char *spfzone_text(const struct spfzone *z, uint32_t ttl, const char *comment, size_t *len);

#endif
