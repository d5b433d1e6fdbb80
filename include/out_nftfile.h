/* out_nftfile — the `nft-file` output: an includable nftables file (set
 * definitions or defines), checked with `nft -c -f` when nft is there. */
#ifndef ALLOWSYNC_OUT_NFTFILE_H
#define ALLOWSYNC_OUT_NFTFILE_H

#include "output.h"

extern const struct output_type out_nftfile;

#endif
