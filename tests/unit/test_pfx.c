/* Unit tests: pfx — strict parsing and canonical formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pfx.h"

#include <stdio.h>
#include <string.h>

static void
check_accept(const char *in, enum pfx_family fam, const char *lo, const char *hi, int len)
{
	struct pfx p;
	struct err reason = {0};
	char a[PFX_ADDR_MAX], b[PFX_ADDR_MAX];

	if (!pfx_parse(in, strlen(in), &p, &reason))
		fail_msg("refused \"%s\": %s", in, reason.msg);
	assert_int_equal(p.fam, fam);
	pfx_format_addr(p.fam, p.r.lo, a);
	pfx_format_addr(p.fam, p.r.hi, b);
	assert_string_equal(a, lo);
	assert_string_equal(b, hi);
	assert_int_equal(p.len, len);
}

static void
check_refuse(const char *in, const char *why)
{
	struct pfx p;
	struct err reason = {0};

	if (pfx_parse(in, strlen(in), &p, &reason))
		fail_msg("accepted \"%s\"", in);
	assert_true(reason.msg[0] != '\0');
	if (!strstr(reason.msg, why))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", in, reason.msg, why);
}

static void
test_accept_v4(void **state)
{
	(void)state;
	check_accept("192.0.2.1", PFX_V4, "192.0.2.1", "192.0.2.1", 32);
	check_accept("0.0.0.0", PFX_V4, "0.0.0.0", "0.0.0.0", 32);
	check_accept("255.255.255.255", PFX_V4, "255.255.255.255", "255.255.255.255", 32);
	check_accept("10.0.0.0/8", PFX_V4, "10.0.0.0", "10.255.255.255", 8);
	check_accept("0.0.0.0/0", PFX_V4, "0.0.0.0", "255.255.255.255", 0);
	check_accept("198.51.100.7/32", PFX_V4, "198.51.100.7", "198.51.100.7", 32);
	check_accept("1.2.3.4-1.2.3.10", PFX_V4, "1.2.3.4", "1.2.3.10", -1);
	check_accept("1.2.3.4 - 1.2.3.10", PFX_V4, "1.2.3.4", "1.2.3.10", -1);
	check_accept("1.2.3.4\t-\t1.2.3.4", PFX_V4, "1.2.3.4", "1.2.3.4", -1);
	/* The edges of pfx_parse's IPv4 fast path. */
	check_accept("0.0.0.0-255.255.255.255", PFX_V4, "0.0.0.0", "255.255.255.255", -1);
	check_accept("1.2.3.4/0", PFX_V4, "0.0.0.0", "255.255.255.255", 0);
	check_accept("255.255.255.255/31", PFX_V4, "255.255.255.254", "255.255.255.255", 31);
	check_accept("100.20.3.0/9", PFX_V4, "100.0.0.0", "100.127.255.255", 9);
}

static void
test_host_bits(void **state)
{
	struct pfx p;
	struct err reason;
	(void)state;
	assert_true(pfx_parse("192.0.2.5/24", 12, &p, &reason));
	assert_true(p.host_bits);
	check_accept("192.0.2.5/24", PFX_V4, "192.0.2.0", "192.0.2.255", 24);
	assert_true(pfx_parse("192.0.2.0/24", 12, &p, &reason));
	assert_false(p.host_bits);
}

static void
test_accept_v6(void **state)
{
	(void)state;
	check_accept("::", PFX_V6, "::", "::", 128);
	check_accept("::/0", PFX_V6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0);
	check_accept("2001:db8::1", PFX_V6, "2001:db8::1", "2001:db8::1", 128);
	check_accept("2001:DB8:0:0:0:0:0:1", PFX_V6, "2001:db8::1", "2001:db8::1", 128);
	check_accept("2602:fd3f:0000:ff06::/64", PFX_V6, "2602:fd3f:0:ff06::",
		     "2602:fd3f:0:ff06:ffff:ffff:ffff:ffff", 64);
	check_accept("1:2:3:4:5:6:7::", PFX_V6, "1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0", 128);
	check_accept("::2:3:4:5:6:7:8", PFX_V6, "0:2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", 128);
	check_accept("64:ff9b::192.0.2.33", PFX_V6, "64:ff9b::c000:221", "64:ff9b::c000:221", 128);
	check_accept("1:2:3:4:5:6:1.2.3.4", PFX_V6, "1:2:3:4:5:6:102:304", "1:2:3:4:5:6:102:304",
		     128);
	check_accept("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", PFX_V6,
		     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		     "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128);
	check_accept("2001:db8::-2001:db8::ff", PFX_V6, "2001:db8::", "2001:db8::ff", -1);
}

static void
test_mapped_becomes_v4(void **state)
{
	(void)state;
	check_accept("::ffff:198.51.100.0/120", PFX_V4, "198.51.100.0", "198.51.100.255", 24);
	check_accept("::ffff:198.51.100.7", PFX_V4, "198.51.100.7", "198.51.100.7", 32);
	check_accept("::ffff:c633:6407", PFX_V4, "198.51.100.7", "198.51.100.7", 32);
	check_accept("::ffff:1.2.3.4-1.2.3.5", PFX_V4, "1.2.3.4", "1.2.3.5", -1);
	/* Broader than the mapped space: stays IPv6. */
	check_accept("::ffff:0:0/95", PFX_V6, "::fffe:0:0", "::ffff:ffff:ffff", 95);
	check_accept("::-::ffff:ffff:ffff", PFX_V6, "::", "::ffff:ffff:ffff", -1);
	check_accept("::ffff:0:0-::ffff:0:1", PFX_V4, "0.0.0.0", "0.0.0.1", -1);
}

static void
test_refuse(void **state)
{
	(void)state;
	check_refuse("010.0.0.1", "leading zero in \"010.0.0.1\"");
	check_refuse("10/8", "too few octets");
	check_refuse("127.1", "too few octets");
	check_refuse("1.2.3", "too few octets");
	check_refuse("1.2.3.4.5", "too many octets");
	check_refuse("0x0a.0.0.1", "hexadecimal");
	check_refuse("1.2.3.256", "out of range");
	check_refuse("1.2.3.4/33", "prefix length out of range");
	check_refuse("1.2.3.4/+8", "bad prefix length");
	check_refuse("1.2.3.4/-8", "bad prefix length");
	check_refuse("1.2.3.4/08", "leading zero in prefix length");
	check_refuse("1.2.3.4/ 8", "bad prefix length");
	check_refuse("1.2.3.4/", "empty prefix length");
	check_refuse("::/129", "prefix length out of range");
	check_refuse("fe80::1%eth0", "zone identifier");
	check_refuse("[2001:db8::1]", "brackets");
	check_refuse("1.2.3.4-2001:db8::1", "mixed-family range");
	check_refuse("1.2.3.10-1.2.3.4", "range end before its start");
	check_refuse("1.2.3.0/24-1.2.4.0", "prefix length in a range");
	check_refuse("1::2::3", "more than one");
	check_refuse("1:2:3:4:5:6:7:8:9", "too many groups");
	check_refuse("1:2:3:4:5:6:7", "too few groups");
	check_refuse("12345::", "longer than four");
	check_refuse(":1::", "single leading colon");
	check_refuse("1::2:", "trailing colon");
	check_refuse("1:2:3:4:5:6:7::8", "eight groups");
	check_refuse("1.2.3.4 x", "unexpected character");
	check_refuse("example.com", "unexpected character");
	check_refuse("", "empty");
	check_refuse("::1.2.3", "embedded IPv4");
	check_refuse("1.2.3.4/00", "leading zero in prefix length");
	check_refuse("1.2.3.4/1x", "bad prefix length");
	check_refuse("1.2.3.4/100", "prefix length out of range");
	check_refuse("1.2.3.4-1.2.3.5/24", "prefix length in a range");
	check_refuse("1.2.3.4-1.2.3.04", "leading zero in \"1.2.3.04\"");
	check_refuse("1.2.3.4-1.2.3.4.5", "too many octets");
	check_refuse("1.2.3.1000", "out of range");
	check_refuse("1.2.3.4-", "empty address");
	check_refuse("1.2.3.4-1.2.3.3", "range end before its start");
}

static void
test_format_rfc5952(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"2001:0db8:0000:0000:0000:0000:0002:0001", "2001:db8::2:1"},
		{"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},
		{"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},
		{"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
		{"0:0:0:0:0:0:0:1", "::1"},
		{"1:0:0:0:0:0:0:0", "1::"},
		{"0:0:0:0:0:0:0:0", "::"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		enum pfx_family fam;
		u128 a;
		struct err reason;
		char buf[PFX_ADDR_MAX];
		assert_true(pfx_parse_addr(cases[i].in, strlen(cases[i].in), &fam, &a, &reason));
		pfx_format_addr(fam, a, buf);
		assert_string_equal(buf, cases[i].out);
	}
}

static void
test_format_helpers(void **state)
{
	char buf[PFX_TEXT_MAX];
	struct pfx_range r = {0x01020300, 0x010203ff};
	(void)state;
	pfx_format_cidr(PFX_V4, 0x01020300, 24, buf);
	assert_string_equal(buf, "1.2.3.0/24");
	pfx_format_range(PFX_V4, &r, buf);
	assert_string_equal(buf, "1.2.3.0-1.2.3.255");
	assert_int_equal(pfx_range_cidr_len(PFX_V4, &r), 24);
	r.hi = 0x010203fe;
	assert_int_equal(pfx_range_cidr_len(PFX_V4, &r), -1);
	pfx_format_u128(~(u128)0, buf);
	assert_string_equal(buf, "340282366920938463463374607431768211455");
	pfx_format_u128(0, buf);
	assert_string_equal(buf, "0");
	assert_true(pfx_hostmask(PFX_V6, 0) == ~(u128)0);
	assert_true(pfx_hostmask(PFX_V4, 0) == UINT32_MAX);
	assert_true(pfx_hostmask(PFX_V4, 32) == 0);
}

/* The reference for the IPv4 line reader: a dotted quad of octets "0"
 * or 1-3 digits without a leading zero, at most 255; then nothing, "/"
 * and 1-2 digits (no leading zero, at most 32) or "-" and a second quad
 * not below the first.  Written plainly, byte by byte. */
static const char *
ref_quad(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;

	for (int o = 0; o < 4; o++) {
		unsigned val = 0, n = 0;
		if (o > 0) {
			if (p == end || *p != '.')
				return NULL;
			p++;
		}
		while (p + n < end && p[n] >= '0' && p[n] <= '9' && n < 4)
			val = val * 10 + (unsigned)(p[n++] - '0');
		if (n == 0 || n > 3 || (n > 1 && p[0] == '0') || val > 255)
			return NULL;
		p += n;
		v = v << 8 | val;
	}
	*out = v;
	return p;
}

static const char *
ref_line(const char *s, const char *end, struct pfx *x)
{
	uint32_t a, b;
	const char *p = ref_quad(s, end, &a);

	if (!p)
		return NULL;
	x->fam = PFX_V4;
	x->host_bits = false;
	x->r.lo = x->r.hi = a;
	x->len = 32;
	if (p < end && *p == '-') {
		if (!(p = ref_quad(p + 1, end, &b)) || a > b)
			return NULL;
		x->r.hi = b;
		x->len = -1;
	} else if (p < end && *p == '/') {
		unsigned len = 0, n = 0;
		p++;
		while (p + n < end && p[n] >= '0' && p[n] <= '9' && n < 3)
			len = len * 10 + (unsigned)(p[n++] - '0');
		if (n == 0 || n > 2 || (n > 1 && p[0] == '0') || len > 32)
			return NULL;
		p += n;
		uint32_t host = len == 0 ? UINT32_MAX : (UINT32_C(1) << (32 - len)) - 1;
		x->host_bits = (a & host) != 0;
		x->r.lo = a & ~host;
		x->r.hi = a | host;
		x->len = (int)len;
	}
	return p < end && *p == '\n' ? p : NULL;
}

static uint64_t rng = 88172645463325252u;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* An octet as a list might (or might not) spell it. */
static int
put_octet(char *p)
{
	static const char *odd[] = {"00", "01", "256", "999", "0000", "1000", "", "a", "25x",
				    "\xff", "300", "255", "0", "09", "1 "};
	if (rnd(4))
		return sprintf(p, "%u", rnd(256));
	const char *o = odd[rnd(sizeof odd / sizeof odd[0])];
	memcpy(p, o, strlen(o));
	return (int)strlen(o);
}

static size_t
random_entry(char *buf)
{
	size_t n = 0;

	if (rnd(8) == 0) { /* bytes at random */
		static const char alpha[] = "0123456789./-:- a\t\xff\x80";
		size_t len = 1 + rnd(24);
		for (; n < len; n++)
			buf[n] = alpha[rnd(sizeof alpha - 1)];
		return n;
	}
	for (int part = 0; part < 2; part++) {
		for (int o = 0; o < 4; o++) {
			if (o)
				buf[n++] = rnd(40) ? '.' : ',';
			n += (size_t)put_octet(buf + n);
		}
		unsigned what = rnd(3);
		if (part == 1 || what == 0)
			break;
		if (what == 1) {
			n += (size_t)sprintf(buf + n, "/%u", rnd(12) ? rnd(33) : rnd(100));
			break;
		}
		buf[n++] = '-';
	}
	return n;
}

/* The line reader against the reference, on entries right and wrong,
 * at the very end of the buffer and followed by more lines (a reader
 * that looks ahead must keep to the reference in both); what it takes,
 * the strict parser takes alike. */
static void
test_v4_line_differential(void **state)
{
	char buf[128], entry[64];
	size_t taken = 0;
	(void)state;

	for (int i = 0; i < 300000; i++) {
		size_t n = random_entry(entry);
		memcpy(buf, entry, n);
		buf[n] = '\n';
		for (int layout = 0; layout < 2; layout++) {
			const char *end = buf + n + 1;
			if (layout == 1) { /* more lines after it */
				memcpy(buf + n + 1, "1.2.3.4\n12.34.56.78-99.1.1.1\n", 29);
				end += 29;
			}
			struct pfx got = {0}, want = {0}, strict = {0};
			struct err reason;
			const char *g = pfx_parse_v4_line(buf, end, &got);
			const char *w = ref_line(buf, end, &want);
			if ((g == NULL) != (w == NULL))
				fail_msg("\"%.*s\" (layout %d): reader %s, reference %s", (int)n, entry,
					 layout, g ? "took it" : "did not", w ? "takes it" : "does not");
			if (!g)
				continue;
			taken++;
			assert_ptr_equal(g, w);
			assert_int_equal(got.fam, PFX_V4);
			assert_true(got.r.lo == want.r.lo && got.r.hi == want.r.hi);
			assert_int_equal(got.len, want.len);
			assert_int_equal(got.host_bits, want.host_bits);
			assert_true(pfx_parse(entry, n, &strict, &reason));
			assert_true(strict.fam == got.fam && strict.r.lo == got.r.lo &&
				    strict.r.hi == got.r.hi && strict.len == got.len &&
				    strict.host_bits == got.host_bits);
		}
	}
	assert_true(taken > 100000); /* the valid forms were drawn often */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_v4),      cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_accept_v6),      cmocka_unit_test(test_mapped_becomes_v4),
		cmocka_unit_test(test_refuse),         cmocka_unit_test(test_format_rfc5952),
		cmocka_unit_test(test_format_helpers), cmocka_unit_test(test_v4_line_differential),
	};
	return cmocka_run_group_tests_name("pfx", tests, NULL, NULL);
}
