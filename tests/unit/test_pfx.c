/* Unit tests: pfx — strict parsing and canonical formatting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "pfx.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_v4),      cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_accept_v6),      cmocka_unit_test(test_mapped_becomes_v4),
		cmocka_unit_test(test_refuse),         cmocka_unit_test(test_format_rfc5952),
		cmocka_unit_test(test_format_helpers),
	};
	return cmocka_run_group_tests_name("pfx", tests, NULL, NULL);
}
