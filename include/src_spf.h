/* src_spf — the `spf` source: the addresses an SPF record passes.
 *
 * Keys: domain (required), spf_partial = yes|no (default no: ptr, exists
 * and client macros fail the source), spf_max_lookups = N (default 10,
 * RFC 7208's limit; 1..100).  DNS servers come from [global] dns_server
 * (default: /etc/resolv.conf); `timeout` bounds the whole expansion.
 */
#ifndef ALLOWSYNC_SRC_SPF_H
#define ALLOWSYNC_SRC_SPF_H

#include "source.h"

extern const struct source_type src_spf;

#endif
