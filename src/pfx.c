/* pfx — parse and format one address, prefix or range; see pfx.h.
 *
 * Parsing is strict on purpose: an allowlist entry that two programs read
 * differently (inet_aton takes "10.1" and "010.0.0.1" as something else
 * than a human does) is a hole, so anything but the canonical forms of
 * RFC 791 dotted quads and RFC 4291 IPv6 text is refused with a reason.
 */
#include "pfx.h"

#include <stdio.h>
#include <string.h>

/* Refusal reasons quote the offending text (cut at 80 bytes: a list
 * line may be 4 KiB).  Returns -1. */
static int
refuse(struct err *err, const char *what, const char *s, size_t n)
{
	if (n > 80)
		return err_set(err, "%s in \"%.80s…\"", what, s);
	return err_set(err, "%s in \"%.*s\"", what, (int)n, s);
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Digit values of hex characters, -1 for the rest: a table because the
 * IPv6 parser looks up every character of a million-line list. */
static const signed char hex_table[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
	['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
	['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
	['F'] = 16,
};

static inline int
hex_value(char c)
{
	return hex_table[(unsigned char)c] - 1;
}

/* A dotted quad, exactly four decimal octets without leading zeros. */
static int
parse_v4(const char *s, size_t n, uint32_t *out, struct err *err)
{
	uint32_t v = 0;
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		if (octet > 0) {
			if (i >= n)
				return refuse(err, "too few octets", s, n);
			if (s[i] != '.')
				return refuse(err, "unexpected character", s, n);
			i++;
		}
		size_t start = i;
		unsigned val = 0;
		while (i < n && is_digit(s[i]) && i - start < 4)
			val = val * 10 + (unsigned)(s[i++] - '0');
		size_t len = i - start;
		if (i < n && (s[i] == 'x' || s[i] == 'X'))
			return refuse(err, "hexadecimal octet", s, n);
		if (len == 0) {
			if (i < n && s[i] != '.')
				return refuse(err, "unexpected character", s, n);
			return refuse(err, i >= n ? "too few octets" : "empty octet", s, n);
		}
		if (len > 1 && s[start] == '0')
			return refuse(err,
				      s[start + 1] == 'x' || s[start + 1] == 'X'
					  ? "hexadecimal octet"
					  : "leading zero",
				      s, n);
		if (len > 3 || val > 255)
			return refuse(err, "octet out of range", s, n);
		v = v << 8 | val;
	}
	if (i < n) {
		if (s[i] == '.')
			return refuse(err, "too many octets", s, n);
		if (s[i] == 'x' || s[i] == 'X')
			return refuse(err, "hexadecimal octet", s, n);
		return refuse(err, "unexpected character", s, n);
	}
	*out = v;
	return 0;
}

/* RFC 4291 section 2.2 text: eight groups of one to four hex digits, one
 * "::" standing for one or more zero groups, optionally a dotted quad in
 * the last 32 bits. */
static int
parse_v6(const char *s, size_t n, u128 *out, struct err *err)
{
	uint16_t groups[8];
	int ngroups = 0, gap = -1;
	size_t i = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		gap = 0;
		i = 2;
	} else if (n >= 1 && s[0] == ':') {
		return refuse(err, "single leading colon", s, n);
	}
	while (i < n) {
		if (ngroups == 8)
			return refuse(err, "too many groups", s, n);
		size_t start = i;
		unsigned val = 0;
		int h;
		while (i < n && (h = hex_value(s[i])) >= 0 && i - start < 5) {
			val = val << 4 | (unsigned)h;
			i++;
		}
		size_t len = i - start;
		if (i < n && s[i] == '.') {
			/* Embedded IPv4 takes the last two groups. */
			uint32_t v4;
			if (ngroups > 6)
				return refuse(err, "too many groups", s, n);
			if (parse_v4(s + start, n - start, &v4, err) < 0)
				return refuse(err, "bad embedded IPv4 address", s, n);
			groups[ngroups++] = (uint16_t)(v4 >> 16);
			groups[ngroups++] = (uint16_t)v4;
			i = n;
			break;
		}
		if (len == 0)
			return refuse(err,
				      i < n && s[i] == ':' ? "misplaced \"::\"" : "unexpected character",
				      s, n);
		if (len > 4)
			return refuse(err, "group longer than four digits", s, n);
		groups[ngroups++] = (uint16_t)val;
		if (i == n)
			break;
		if (s[i] != ':')
			return refuse(err, s[i] == '%' ? "zone identifier" : "unexpected character",
				      s, n);
		i++;
		if (i < n && s[i] == ':') {
			if (gap >= 0)
				return refuse(err, "more than one \"::\"", s, n);
			gap = ngroups;
			i++;
		} else if (i == n) {
			return refuse(err, "trailing colon", s, n);
		}
	}
	if (gap < 0 && ngroups != 8)
		return refuse(err, "too few groups", s, n);
	if (gap >= 0 && ngroups > 7)
		return refuse(err, "\"::\" with eight groups", s, n);

	/* Place the groups, the ones after "::" at the bottom.  ("::" alone
	 * has no group; shifting a u128 by 128 would be undefined.) */
	u128 v = 0;
	for (int g = 0; g < ngroups; g++) {
		int pos = gap >= 0 && g >= gap ? 8 - ngroups + g : g;
		v |= (u128)groups[g] << (16 * (7 - pos));
	}
	*out = v;
	return 0;
}

/* A refusal caused by brackets or a zone id deserves that name rather
 * than "unexpected character"; looked for only once parsing failed (err
 * holds the parser's reason, kept otherwise). */
static void
refine(const char *s, size_t n, struct err *err)
{
	if (memchr(s, '[', n) || memchr(s, ']', n))
		refuse(err, "brackets", s, n);
	else if (memchr(s, '%', n))
		refuse(err, "zone identifier", s, n);
}

bool
pfx_parse_addr(const char *s, size_t n, enum pfx_family *fam, u128 *addr, struct err *err)
{
	uint32_t v4;

	if (n == 0) {
		err_set(err, "empty address");
		return false;
	}
	if (memchr(s, ':', n)) {
		if (parse_v6(s, n, addr, err) < 0) {
			refine(s, n, err);
			return false;
		}
		*fam = PFX_V6;
		return true;
	}
	if (parse_v4(s, n, &v4, err) < 0) {
		refine(s, n, err);
		return false;
	}
	*fam = PFX_V4;
	*addr = v4;
	return true;
}

u128
pfx_hostmask(enum pfx_family fam, int len)
{
	int host = pfx_bits(fam) - len;
	if (host <= 0)
		return 0;
	if (host >= 128)
		return ~(u128)0;
	return ((u128)1 << host) - 1;
}

/* The prefix length after '/': decimal, no sign, no leading zero, no
 * blanks, within the family's width. */
static const char *
parse_len(const char *s, size_t n, int bits, int *len)
{
	int v = 0;

	if (n == 0)
		return "empty prefix length";
	if (n > 1 && s[0] == '0')
		return "leading zero in prefix length";
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return "bad prefix length";
		v = v * 10 + (s[i] - '0');
		if (v > bits)
			return "prefix length out of range";
	}
	*len = v;
	return NULL;
}

/* ::ffff:0:0/96 — IPv4-mapped IPv6 addresses stand for IPv4 ones. */
static bool
is_v4_mapped(u128 lo, u128 hi)
{
	const u128 base = (u128)0xffff << 32;
	return lo >= base && hi <= (base | UINT32_MAX);
}

static void
unmap(struct pfx *p)
{
	if (p->fam != PFX_V6 || !is_v4_mapped(p->r.lo, p->r.hi))
		return;
	p->fam = PFX_V4;
	p->r.lo &= UINT32_MAX;
	p->r.hi &= UINT32_MAX;
	if (p->len >= 0)
		p->len -= 96;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
parse_range(const char *s, size_t n, const char *dash, struct pfx *out, struct err *err)
{
	size_t an = (size_t)(dash - s), bs = an + 1, bn;
	enum pfx_family fa, fb;
	u128 a, b;

	while (an > 0 && is_blank(s[an - 1]))
		an--;
	while (bs < n && is_blank(s[bs]))
		bs++;
	bn = n - bs;
	if (memchr(s, '/', an) || memchr(s + bs, '/', bn)) {
		refuse(err, "prefix length in a range", s, n);
		return false;
	}
	if (!pfx_parse_addr(s, an, &fa, &a, err) || !pfx_parse_addr(s + bs, bn, &fb, &b, err))
		return false;
	/* A mapped end meets an IPv4 end as IPv4; two IPv6 ends become IPv4
	 * only when the whole range lies in the mapped space. */
	if (fa != fb) {
		struct pfx *v6 = &(struct pfx){.fam = PFX_V6, .r = {fa == PFX_V6 ? a : b, 0}, .len = -1};
		v6->r.hi = v6->r.lo;
		unmap(v6);
		if (v6->fam != PFX_V4) {
			refuse(err, "mixed-family range", s, n);
			return false;
		}
		if (fa == PFX_V6)
			a = v6->r.lo;
		else
			b = v6->r.lo;
	}
	if (a > b) {
		refuse(err, "range end before its start", s, n);
		return false;
	}
	out->fam = fa == fb ? fa : PFX_V4;
	out->r.lo = a;
	out->r.hi = b;
	out->len = -1;
	out->host_bits = false;
	unmap(out);
	return true;
}

/* Fast path for the forms a big IPv4 list is made of: a dotted quad
 * whose octets are "0" or 1-3 digits without a leading zero, each at most
 * 255.  Returns the end of the address, or NULL for anything else, which
 * then goes to the strict parser for its verdict and reason.  (Parsing
 * dominated loading a 100k-line list.) */
/* The digit at p as a value, or 10 or more past the end or for a
 * non-digit (one unsigned compare instead of two). */
static inline unsigned
digit_at(const char *p, const char *end)
{
	return p < end ? (unsigned)(unsigned char)*p - '0' : 10;
}

/* scan_v4 with at least 16 bytes at p, so that no byte it looks at (at
 * most 15 and the one after) is past the end: the same steps without
 * the bound checks, which were a third of its instructions. */
static inline const char *
scan_v4_room(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int octet = 0;; octet++) {
		unsigned d0 = (unsigned)(unsigned char)p[0] - '0', d1, d2, val;

		if (d0 > 9)
			return NULL;
		if ((d1 = (unsigned)(unsigned char)p[1] - '0') > 9) {
			val = d0;
			p += 1;
		} else if (d0 == 0) {
			return NULL;  /* leading zero */
		} else if ((d2 = (unsigned)(unsigned char)p[2] - '0') > 9) {
			val = d0 * 10 + d1;
			p += 2;
		} else {
			val = d0 * 100 + d1 * 10 + d2;
			p += 3;
			if (val > 255 || (unsigned)(unsigned char)*p - '0' <= 9)
				return NULL;
		}
		v = v << 8 | val;
		if (octet == 3)
			break;
		if (*p != '.')
			return NULL;
		p++;
	}
	*out = v;
	return p;
}

static const char *
scan_v4(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	if (end - p >= 16)
		return scan_v4_room(p, out);
	for (int octet = 0;; octet++) {
		unsigned d0 = digit_at(p, end), d1, d2, val;

		if (d0 > 9)
			return NULL;
		if ((d1 = digit_at(p + 1, end)) > 9) {
			val = d0;
			p += 1;
		} else if (d0 == 0) {
			return NULL;  /* leading zero */
		} else if ((d2 = digit_at(p + 2, end)) > 9) {
			val = d0 * 10 + d1;
			p += 2;
		} else {
			val = d0 * 100 + d1 * 10 + d2;
			p += 3;
			if (val > 255 || digit_at(p, end) <= 9)
				return NULL;
		}
		v = v << 8 | val;
		if (octet == 3)
			break;
		if (p == end || *p != '.')
			return NULL;
		p++;
	}
	*out = v;
	return p;
}

/* ADDR, ADDR/LEN or A-B, all IPv4 and without blanks, at the start of
 * [s, end): where the entry ends, with *out set exactly as the strict
 * parser would set it for [s, that end), or NULL to let it decide. */
static const char *
v4_entry(const char *s, const char *end, struct pfx *out)
{
	const char *p;
	uint32_t a, b;
	unsigned d0, d1;
	int len;

	if (!(p = scan_v4(s, end, &a)))
		return NULL;
	out->fam = PFX_V4;
	out->host_bits = false;
	if (p == end || (*p != '-' && *p != '/')) {
		out->r.lo = out->r.hi = a;
		out->len = 32;
		return p;
	}
	if (*p == '-') {
		if (!(p = scan_v4(p + 1, end, &b)) || a > b)
			return NULL;
		out->r.lo = a;
		out->r.hi = b;
		out->len = -1;
		return p;
	}
	/* One or two digits, no leading zero, at most 32. */
	if ((d0 = digit_at(++p, end)) > 9)
		return NULL;
	if ((d1 = digit_at(++p, end)) <= 9) {
		if (d0 == 0)
			return NULL;
		len = (int)(d0 * 10 + d1);
		p++;
	} else {
		len = (int)d0;
	}
	if (len > 32)
		return NULL;
	uint32_t host = len == 0 ? UINT32_MAX : (UINT32_C(1) << (32 - len)) - 1;
	out->host_bits = (a & host) != 0;
	out->r.lo = a & ~host;
	out->r.hi = a | host;
	out->len = len;
	return p;
}

static bool
parse_v4_fast(const char *s, size_t n, struct pfx *out)
{
	return v4_entry(s, s + n, out) == s + n;
}

const char *
pfx_parse_v4_line(const char *s, const char *end, struct pfx *out)
{
	const char *p = v4_entry(s, end, out);

	return p && p < end && *p == '\n' ? p : NULL;
}

bool
pfx_parse(const char *s, size_t n, struct pfx *out, struct err *err)
{
	const char *slash, *dash;
	enum pfx_family fam;
	u128 addr;
	int len;

	if (n == 0) {
		err_set(err, "empty entry");
		return false;
	}
	if (parse_v4_fast(s, n, out))
		return true;
	slash = dash = NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/' && !slash)
			slash = s + i;
		else if (s[i] == '-' && !dash)
			dash = s + i;
	}
	/* "/-8" is a signed length, not a range. */
	if (slash && slash + 1 < s + n && (slash[1] == '-' || slash[1] == '+')) {
		refuse(err, "bad prefix length", s, n);
		return false;
	}
	if (dash)
		return parse_range(s, n, dash, out, err);

	size_t an = slash ? (size_t)(slash - s) : n;
	if (!pfx_parse_addr(s, an, &fam, &addr, err))
		return false;
	if (slash) {
		const char *why = parse_len(slash + 1, n - an - 1, pfx_bits(fam), &len);
		if (why) {
			refuse(err, why, s, n);
			return false;
		}
	} else {
		len = pfx_bits(fam);
	}
	u128 host = pfx_hostmask(fam, len);
	out->fam = fam;
	out->len = len;
	out->host_bits = (addr & host) != 0;
	out->r.lo = addr & ~host;
	out->r.hi = out->r.lo | host;
	unmap(out);
	return true;
}

/* Hand-rolled: formatting dominates printing a million entries with
 * printf. */
static char *
put_dec(char *p, unsigned v)
{
	if (v >= 100)
		*p++ = (char)('0' + v / 100);
	if (v >= 10)
		*p++ = (char)('0' + v / 10 % 10);
	*p++ = (char)('0' + v % 10);
	return p;
}

static size_t
format_v4(uint32_t a, char *buf)
{
	char *p = buf;
	for (int shift = 24; shift >= 0; shift -= 8) {
		p = put_dec(p, (a >> shift) & 255);
		*p++ = '.';
	}
	*--p = '\0';
	return (size_t)(p - buf);
}

static char *
put_hex(char *p, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	int shift = 12;
	while (shift > 0 && (v >> shift) == 0)
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		*p++ = digits[(v >> shift) & 15];
	return p;
}

/* RFC 5952: lower case, no leading zeros, the longest run of two or more
 * zero groups (the first of equals) as "::". */
static size_t
format_v6(u128 a, char *buf)
{
	uint16_t g[8];
	int best = -1, bestlen = 1;
	char *p = buf;

	for (int i = 7; i >= 0; i--, a >>= 16)
		g[i] = (uint16_t)a;
	for (int i = 0; i < 8;) {
		if (g[i] != 0) {
			i++;
			continue;
		}
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
		i = j;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			*p++ = ':';
			*p++ = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			*p++ = ':';
		p = put_hex(p, g[i]);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

size_t
pfx_format_addr(enum pfx_family fam, u128 addr, char *buf)
{
	return fam == PFX_V4 ? format_v4((uint32_t)addr, buf) : format_v6(addr, buf);
}

size_t
pfx_format_cidr(enum pfx_family fam, u128 addr, int len, char *buf)
{
	size_t n = pfx_format_addr(fam, addr, buf);
	char *p = buf + n;
	*p++ = '/';
	p = put_dec(p, (unsigned)len);
	*p = '\0';
	return (size_t)(p - buf);
}

size_t
pfx_format_range(enum pfx_family fam, const struct pfx_range *r, char *buf)
{
	size_t n = pfx_format_addr(fam, r->lo, buf);
	if (r->lo == r->hi)
		return n;
	buf[n++] = '-';
	return n + pfx_format_addr(fam, r->hi, buf + n);
}

int
pfx_range_cidr_len(enum pfx_family fam, const struct pfx_range *r)
{
	/* One CIDR: the size is a power of two (span is all ones below some
	 * bit) and the start is aligned to it. */
	u128 span = r->hi - r->lo;
	if ((span & (span + 1)) != 0 || (r->lo & span) != 0 || r->hi > pfx_max(fam))
		return -1;
	int host = __builtin_popcountll((uint64_t)span) + __builtin_popcountll((uint64_t)(span >> 64));
	return pfx_bits(fam) - host;
}

size_t
pfx_format_u128(u128 v, char *buf)
{
	char tmp[40];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (size_t i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}
