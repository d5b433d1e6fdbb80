/* out_ipset — the `ipset` output: hash:net sets kept in step through
 * libipset, for iptables (-m set --match-set) and firewalld hosts (see
 * src/out_ipset.c for how an update stays safe without transactions). */
#ifndef ALLOWSYNC_OUT_IPSET_H
#define ALLOWSYNC_OUT_IPSET_H

#include "err.h"
#include "ipsetnl.h"
#include "output.h"

#include <stdint.h>

extern const struct output_type out_ipset;

/* Everything the output asks the kernel, with ipsetnl.h's signatures
 * (and nftstate_boot_id's): the real functions unless replaced.  The
 * unit tests' seam, which keeps sets in memory. */
struct out_ipset_kernel {
	int (*open)(struct ipsetnl **out, struct err *err);
	void (*close)(struct ipsetnl *s);
	uint64_t (*netns_cookie)(void);
	void (*boot_id)(char out[40]);
	int (*names)(struct ipsetnl *s, char **names, struct err *err);
	int (*header)(struct ipsetnl *s, const char *set, struct ipsetnl_info *info,
		      struct err *err);
	int (*dump)(struct ipsetnl *s, const char *set, enum pfx_family fam,
		    struct nl_ranges *out, struct err *err);
	int (*create)(struct ipsetnl *s, const char *set, enum pfx_family fam, uint32_t hashsize,
		      uint32_t maxelem, uint32_t cadt_flags, struct err *err);
	int (*destroy)(struct ipsetnl *s, const char *set, struct err *err);
	int (*swap)(struct ipsetnl *s, const char *a, const char *b, struct err *err);
	int (*rename)(struct ipsetnl *s, const char *from, const char *to, struct err *err);
	int (*adt)(struct ipsetnl *s, const char *set, enum pfx_family fam, bool add,
		   const struct nl_range *v, size_t n, struct err *err);
};

/* Talk to `k` (which must outlive the output) instead of the kernel,
 * from the next view on.  `o` is a configured ipset output. */
void out_ipset_use_kernel(struct output *o, const struct out_ipset_kernel *k);

/* The name of the temporary set that replaces `set` by a swap:
 * "allowsync-" and 8 hex digits of a hash of the name. */
void out_ipset_tmp_name(const char *set, char out[IPSETNL_NAME_MAX + 1]);

#endif
