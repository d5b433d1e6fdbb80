/* pfx — one address, prefix or range of either family: parse and format.
 *
 * Both families share one representation: a closed range [lo, hi] of
 * unsigned 128-bit integers plus the family.  IPv4 values live in the low
 * 32 bits; they are never confused with IPv4-mapped IPv6, because the
 * family travels with the value (and mapped input is turned into IPv4).
 */
#ifndef ALLOWSYNC_PFX_H
#define ALLOWSYNC_PFX_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

__extension__ typedef unsigned __int128 u128;

enum pfx_family { PFX_V4 = 4, PFX_V6 = 6 };

struct pfx_range {
	u128 lo;
	u128 hi;
};

/* One parsed entry.  `len` is the prefix length for CIDR input, -1 for an
 * explicit A-B range; `host_bits` says host bits were set and cleared. */
struct pfx {
	enum pfx_family fam;
	struct pfx_range r;
	int len;
	bool host_bits;
};

/* Longest text pfx_format_* writes, with its NUL:
 * "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128" fits in 64. */
#define PFX_ADDR_MAX 64
/* Two addresses and " - " or "-": a range. */
#define PFX_TEXT_MAX (2 * PFX_ADDR_MAX + 4)

/* Number of bits of an address of `fam`. */
static inline int
pfx_bits(enum pfx_family fam)
{
	return fam == PFX_V4 ? 32 : 128;
}

/* Largest address of `fam`. */
static inline u128
pfx_max(enum pfx_family fam)
{
	return fam == PFX_V4 ? (u128)UINT32_MAX : ~(u128)0;
}

/* An address as the bytes on the wire (network order: 4 for IPv4, 16
 * for IPv6) and back, as netlink keys, DNS answers and the state files
 * hold them. */
static inline void
pfx_addr_to_bytes(enum pfx_family fam, u128 addr, unsigned char *out)
{
	/* In 32- and 64-bit pieces: compilers make byte swaps of them. */
	if (fam == PFX_V4) {
		for (int i = 0; i < 4; i++)
			out[i] = (unsigned char)((uint32_t)addr >> (24 - 8 * i));
		return;
	}
	for (int i = 0; i < 8; i++) {
		out[i] = (unsigned char)((uint64_t)(addr >> 64) >> (56 - 8 * i));
		out[8 + i] = (unsigned char)((uint64_t)addr >> (56 - 8 * i));
	}
}

static inline u128
pfx_addr_from_bytes(enum pfx_family fam, const unsigned char *in)
{
	uint64_t hi = 0, lo = 0;

	if (fam == PFX_V4) {
		for (int i = 0; i < 4; i++)
			lo = lo << 8 | in[i];
		return lo;
	}
	for (int i = 0; i < 8; i++) {
		hi = hi << 8 | in[i];
		lo = lo << 8 | in[8 + i];
	}
	return (u128)hi << 64 | lo;
}

/* Parse one entry: an address, ADDR/LEN, or A-B / A - B.  `s` holds
 * exactly `n` bytes, no surrounding blanks (the caller strips those).
 * On refusal returns false with err saying why, quoting the entry. */
bool pfx_parse(const char *s, size_t n, struct pfx *out, struct err *err);
/* The common list line, fast: an IPv4 address, prefix or range right up
 * to a newline.  Returns the newline, with *out as pfx_parse would set
 * it for the text before it, or NULL for anything else (which then goes
 * through the general reader, blanks, comments and reasons included). */
const char *pfx_parse_v4_line(const char *s, const char *end, struct pfx *out);

/* Parse a bare address (no length, no range). */
bool pfx_parse_addr(const char *s, size_t n, enum pfx_family *fam, u128 *addr, struct err *err);

/* Canonical text of an address (RFC 5952 for IPv6).  Returns its length. */
size_t pfx_format_addr(enum pfx_family fam, u128 addr, char *buf);

/* "ADDR/LEN" — always with the length. */
size_t pfx_format_cidr(enum pfx_family fam, u128 addr, int len, char *buf);

/* "LO-HI", or just "LO" when lo == hi. */
size_t pfx_format_range(enum pfx_family fam, const struct pfx_range *r, char *buf);

/* Mask of the host part for a prefix of `len` bits in `fam`. */
u128 pfx_hostmask(enum pfx_family fam, int len);

/* If [lo,hi] is exactly one CIDR, its length; else -1. */
int pfx_range_cidr_len(enum pfx_family fam, const struct pfx_range *r);

/* Decimal text of a 128-bit count (for address totals). */
size_t pfx_format_u128(u128 v, char *buf);

#endif
