/* out_nft — the `nftables` output: interval sets kept in step through
 * netlink (see src/out_nft.c for why the update is exact). */
#ifndef ALLOWSYNC_OUT_NFT_H
#define ALLOWSYNC_OUT_NFT_H

#include "output.h"

extern const struct output_type out_nft;

#endif
