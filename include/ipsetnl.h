/* ipsetnl — the kernel's IP sets through libipset: a session, set
 * headers, element dumps, create / destroy / swap / rename, and batches
 * of additions or deletions.
 *
 * libipset speaks netlink itself (one message per command, additions
 * and deletions aggregated into page-sized messages as `ipset restore`
 * sends them); this module keeps its text-and-callback interface behind
 * plain functions.  Elements are CIDRs carried as struct nl_range
 * intervals (lo = network, hi = its last address), so that an output
 * plans them with the same delta as nftables intervals.
 *
 * Functions return 0 or a negative errno and write a one-line reason
 * (without the set's name unless it helps; callers prefix) into `err`.
 */
#ifndef ALLOWSYNC_IPSETNL_H
#define ALLOWSYNC_IPSETNL_H

#include "err.h"
#include "nl.h"
#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest set name the kernel takes (IPSET_MAXNAMELEN less the NUL). */
#define IPSETNL_NAME_MAX 31

/* A set's header, as `ipset list -terse` shows it. */
struct ipsetnl_info {
	char type[32];       /* "hash:net" */
	int family;          /* PFX_V4, PFX_V6, or 0 for a family-less type */
	uint32_t maxelem;
	uint32_t hashsize;
	uint32_t elements;
	uint32_t memsize;
	uint32_t initval;    /* the hash seed, random per created set */
	uint32_t references; /* iptables rules (and list:set members) using it */
	uint32_t cadt_flags; /* IPSET_FLAG_WITH_* (counters, comment, ...) */
	bool timeout;        /* created with a default timeout */
};

struct ipsetnl;

/* A session, its protocol checked with the kernel.  The refusals that
 * matter get their own one-line reason: "needs CAP_NET_ADMIN", "the
 * kernel has no ip_set support (modprobe ip_set)". */
int ipsetnl_open(struct ipsetnl **out, struct err *err);
void ipsetnl_close(struct ipsetnl *s);

/* The network namespace's cookie (0 when the kernel cannot tell). */
uint64_t ipsetnl_netns_cookie(void);

/* Every set's name, each followed by '\n', in one fresh string. */
int ipsetnl_names(struct ipsetnl *s, char **names, struct err *err);
/* Is `name` one of the lines of `names`? */
bool ipsetnl_names_have(const char *names, const char *name);

/* The header of one set.  -ENOENT when there is no such set. */
int ipsetnl_header(struct ipsetnl *s, const char *set, struct ipsetnl_info *info,
		   struct err *err);

/* Every element of a hash:net set of `fam`, appended to `out` in the
 * kernel's order: lo/hi the network's bounds, has_end as
 * nl_ranges_push sets it, and `stray` for a `nomatch` element (an
 * exception, which no allowlist of ours holds). */
int ipsetnl_dump(struct ipsetnl *s, const char *set, enum pfx_family fam,
		 struct nl_ranges *out, struct err *err);

/* A hash:net set of `fam`; `cadt_flags` carries the extensions of the
 * set it will replace (IPSET_FLAG_WITH_*). */
int ipsetnl_create(struct ipsetnl *s, const char *set, enum pfx_family fam, uint32_t hashsize,
		   uint32_t maxelem, uint32_t cadt_flags, struct err *err);
int ipsetnl_destroy(struct ipsetnl *s, const char *set, struct err *err);
/* Exchange the contents (and names) of two sets, atomically for the
 * rules that reference either. */
int ipsetnl_swap(struct ipsetnl *s, const char *a, const char *b, struct err *err);
int ipsetnl_rename(struct ipsetnl *s, const char *from, const char *to, struct err *err);

/* Add (or delete) every CIDR of `v` — each range must be one CIDR —
 * in as few messages as libipset packs.  Adding what is there or
 * deleting what is not is no error.  Not a transaction: on a refusal
 * the messages before it are applied (err names the element). */
int ipsetnl_adt(struct ipsetnl *s, const char *set, enum pfx_family fam, bool add,
		const struct nl_range *v, size_t n, struct err *err);

#endif
