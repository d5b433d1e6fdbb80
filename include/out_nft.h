/* out_nft — the `nftables` output: interval sets kept in step through
 * netlink (see src/out_nft.c for why the update is exact). */
#ifndef ALLOWSYNC_OUT_NFT_H
#define ALLOWSYNC_OUT_NFT_H

#include "err.h"
#include "nl.h"
#include "output.h"

#include <stdint.h>

extern const struct output_type out_nft;

/* Everything the output asks the kernel, with nl.h's signatures: the
 * nl_* functions themselves (and nftstate_boot_id) unless replaced.
 * The seam for the unit tests, which plan against recorded kernel
 * answers and look at the batches instead of sending them. */
struct out_nft_kernel {
	int (*open)(struct nl_sock **out, struct err *err);
	void (*close)(struct nl_sock *s);
	uint64_t (*netns_cookie)(const struct nl_sock *s);
	void (*boot_id)(char out[40]);
	int (*getgen)(struct nl_sock *s, uint32_t *gen, struct err *err);
	int (*get_table)(struct nl_sock *s, int family, const char *table, struct err *err);
	int (*get_set)(struct nl_sock *s, int family, const char *table, const char *set,
		       struct nl_setinfo *info, struct err *err);
	int (*dump_ranges)(struct nl_sock *s, int family, const char *table, const char *set,
			   enum pfx_family fam, struct nl_ranges *out, struct err *err);
	int (*send)(struct nl_sock *s, struct nl_batch *b, struct err *err);
};

/* Talk to `k` (which must outlive the output) instead of the kernel,
 * from the next view on.  `o` is a configured nftables output. */
void out_nft_use_kernel(struct output *o, const struct out_nft_kernel *k);

#endif
