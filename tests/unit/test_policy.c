/* Unit tests: policy — floors, special-purpose ranges, counts, shrink guard. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testsets.h"

#include "conf.h"
#include "parse_text.h"
#include "policy.h"

#include <stdio.h>
#include <string.h>

static struct source_limits
limits(void)
{
	return (struct source_limits){
		.timeout = 60,
		.max_body = 1 << 20,
		.min_prefix4 = CONF_DEFAULT_MIN_PREFIX4,
		.min_prefix6 = CONF_DEFAULT_MIN_PREFIX6,
		.max_entries = 100,
		.max_addresses4 = CONF_DEFAULT_MAX_ADDRESSES4,
		.max_addresses6 = CONF_DEFAULT_MAX_ADDRESSES6,
		.max_stale = 86400,
	};
}

static void
accept(const struct source_limits *l, const char *text)
{
	struct err reason;
	struct pset *s = test_list(text);
	if (policy_check(l, s, &reason) != 0)
		fail_msg("refused \"%s\": %s", text, reason.msg);
	assert_true(pset_is_merged(s));
	pset_free(s);
}

static void
refuse(const struct source_limits *l, const char *text, const char *why)
{
	struct err reason = {0};
	struct pset *s = test_list(text);
	if (policy_check(l, s, &reason) == 0)
		fail_msg("accepted \"%s\"", text);
	if (!strstr(reason.msg, why))
		fail_msg("\"%s\": reason \"%s\" lacks \"%s\"", text, reason.msg, why);
	pset_free(s);
}

static void
test_floors(void **state)
{
	struct source_limits l = limits();
	(void)state;

	accept(&l, "1.0.0.0/12\n2a00::/28\n");
	refuse(&l, "0.0.0.0/0\n", "0.0.0.0/0 is the whole address space");
	refuse(&l, "::/0\n", "::/0 is the whole address space");
	refuse(&l, "8.8.8.8\n4.0.0.0/7\n", "4.0.0.0/7 is broader than the hard floor /8");
	refuse(&l, "2a00::/15\n", "broader than the hard floor /16");
	refuse(&l, "1.0.0.0/11\n", "1.0.0.0/11 is broader than min_prefix4 = 12");
	refuse(&l, "2a00::/27\n", "broader than min_prefix6 = 28");
	/* A range is judged by the broadest CIDR it holds. */
	refuse(&l, "1.0.0.5-1.63.0.0\n", "1.0.0.5-1.63.0.0 is broader than min_prefix4 = 12 (as wide as a /10)");
	accept(&l, "1.0.0.0-1.15.255.255\n");
	/* Adjacent narrow entries that merge into a broad one are not:
	 * the floors judge what the list grants, merged, too. */
	refuse(&l, "1.0.0.0/12\n1.16.0.0/12\n",
	       "2 entries merge into 1.0.0.0/11, broader than min_prefix4 = 12");
	accept(&l, "1.0.0.0/12\n1.32.0.0/12\n");
	refuse(&l, "2a00::/28\n2a00:10::/28\n", "2 entries merge into 2a00::/27, broader than min_prefix6 = 28");
	/* An unaligned merged range: the broadest prefix of its cover. */
	refuse(&l, "1.16.0.0/12\n1.32.0.0/12\n1.48.0.0/12\n1.64.0.0/12\n",
	       "4 entries merge into 1.16.0.0-1.79.255.255 (its cover holds 1.32.0.0/11), broader than min_prefix4 = 12");
	accept(&l, "1.16.0.0/12\n1.32.0.0/12\n"); /* 1.16.0.0-1.47.255.255: two /12s */
	l.min_prefix4 = 8;
	accept(&l, "11.0.0.0/8\n");
	refuse(&l, "6.0.0.0/7\n", "hard floor /8");
	refuse(&l, "6.0.0.0/8\n7.0.0.0/8\n", "2 entries merge into 6.0.0.0/7, broader than the hard floor /8");
}

/* The case: 1,024 /13s (each within min_prefix4 = 12) that merge
 * into 128.0.0.0/3. */
static void
test_merged_floor_1024(void **state)
{
	struct source_limits l = limits();
	static char text[1024 * 20];
	size_t n = 0;
	(void)state;

	l.max_entries = 5000;
	for (unsigned i = 0; i < 1024; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%u.%u.0.0/13\n", 128 + i / 32,
				      (i % 32) * 8);
	refuse(&l, text, "1024 entries merge into 128.0.0.0/3, broader than min_prefix4 = 12");
	/* A stored copy is merged already: its ranges are its entries,
	 * refused one by one. */
	struct pset *s = test_set(text);
	struct err reason;
	assert_int_equal(policy_check(&l, s, &reason), -1);
	assert_string_equal(reason.msg, "128.0.0.0/3 is broader than the hard floor /8 (as wide as a /3)");
	pset_free(s);
}

static void
test_caps(void **state)
{
	struct source_limits l = limits();
	(void)state;

	l.min_prefix4 = 8;
	l.min_prefix6 = 16;
	/* The defaults: a /5's worth of IPv4, a /24's of IPv6. */
	accept(&l, "8.0.0.0/8\n16.0.0.0/8\n24.0.0.0/8\n32.0.0.0/8\n44.0.0.0/8\n46.0.0.0/8\n"
		   "48.0.0.0/8\n50.0.0.0/8\n");
	refuse(&l, "8.0.0.0/8\n16.0.0.0/8\n24.0.0.0/8\n32.0.0.0/8\n44.0.0.0/8\n46.0.0.0/8\n"
		   "48.0.0.0/8\n50.0.0.0/8\n52.0.0.0/8\n",
	       "grants 150,994,944 IPv4 addresses, more than max_addresses4 = 134,217,728");
	l.max_entries = 1000;
	{
		char text[256 * 16];
		size_t n = 0;
		for (unsigned i = 0; i < 17; i++) /* seventeen /16s, one apart */
			n += (size_t)snprintf(text + n, sizeof text - n, "2a%02x::/16\n", i * 2);
		refuse(&l, text, "grants 88,269,046,595,092,069,685,018,437,596,741,632 IPv6 addresses");
	}
	/* Exactly at the cap passes; one address more does not. */
	l.max_addresses4 = 257;
	accept(&l, "8.8.8.0/24\n9.9.9.9\n");
	refuse(&l, "8.8.8.0/24\n9.9.9.9\n9.9.9.11\n", "grants 258 IPv4 addresses, more than max_addresses4 = 257");
	/* Zero: that family grants nothing (an IPv6-only source). */
	l.max_addresses4 = 0;
	accept(&l, "2a00::/32\n");
	refuse(&l, "2a00::/32\n8.8.8.8\n", "grants 1 IPv4 addresses, more than max_addresses4 = 0");
}

static void
test_grant_output(void **state)
{
	struct pset *a = test_list("9.0.0.0/12\n"), *b = test_list("9.16.0.0/12\n");
	struct pset *u = test_set("9.0.0.0/12\n9.16.0.0/12\n");
	const struct pset *parts[2] = {a, b};
	struct policy_grant g = {12, 28, CONF_DEFAULT_MAX_ADDRESSES4, CONF_DEFAULT_MAX_ADDRESSES6};
	struct err err;
	(void)state;

	assert_int_equal(policy_grant(&g, u, parts, 2, &err), -1);
	assert_string_equal(err.msg, "2 entries merge into 9.0.0.0/11, broader than min_prefix4 = 12");
	assert_int_equal(policy_grant(&g, u, NULL, 0, &err), -1);
	assert_string_equal(err.msg, "entries merge into 9.0.0.0/11, broader than min_prefix4 = 12");
	/* An output's check: caps only (0 = no floor). */
	g.min_prefix4 = g.min_prefix6 = 0;
	assert_int_equal(policy_grant(&g, u, NULL, 0, &err), 0);
	g.max_addresses4 = (u128)1 << 20;
	assert_int_equal(policy_grant(&g, u, NULL, 0, &err), -1);
	assert_string_equal(err.msg, "grants 2,097,152 IPv4 addresses, more than max_addresses4 = 1,048,576");
	pset_free(a);
	pset_free(b);
	pset_free(u);
}


static void
test_special(void **state)
{
	struct source_limits l = limits();
	static const char *const cases[][2] = {
		{"10.1.2.0/24", "private-use"},
		{"172.16.5.5", "private-use"},
		{"192.168.1.1", "private-use"},
		{"100.64.0.1", "CGN"},
		{"127.0.0.1", "loopback"},
		{"169.254.1.1", "link-local"},
		{"192.0.2.1", "documentation"},
		{"198.51.100.7", "documentation"},
		{"203.0.113.0/24", "documentation"},
		{"198.18.0.0/15", "benchmarking"},
		{"224.0.0.1", "multicast"},
		{"239.255.255.255", "multicast"},
		{"240.0.0.0/12", "reserved"},
		{"255.255.255.255", "broadcast"},
		{"0.1.2.3", "this network"},
		{"192.88.99.1", "6to4 relay"},
		{"::1", "loopback"},
		{"2001:db8::/32", "documentation"},
		{"3fff::/20", "documentation"},
		{"fd00::/32", "unique local"},
		{"fe80::1", "link-local"},
		{"ff02::1", "multicast"},
		{"2002:c000:0201::/48", "6to4"},
		{"2001:0:4136:e378::/64", "Teredo"},
		{"64:ff9b::192.0.2.33", "NAT64"},
		{"64:ff9b:1::/48", "NAT64"},
		{"100::/64", "discard-only"},
		/* Broad enough to pass the floors, but touching a special range. */
		{"100.128.0.0/9", NULL},
		{"100.0.0.0/8", "CGN"},
	};
	(void)state;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[128];
		snprintf(text, sizeof text, "%s\n", cases[i][0]);
		l.min_prefix4 = 8;
		l.min_prefix6 = 16;
		l.max_addresses6 = ~(u128)0; /* 3fff::/20 is more than the default */
		l.allow_special = false;
		if (!cases[i][1]) {
			accept(&l, text);
			continue;
		}
		refuse(&l, text, cases[i][1]);
		refuse(&l, text, "allow_special = yes");
		l.allow_special = true;
		accept(&l, text);
	}
	/* Ordinary public space passes. */
	l.allow_special = false;
	accept(&l, "8.8.8.8\n1.1.1.0/24\n2a00:1450::/32\n2606:4700::/32\n");
	/* Right next to special ranges (the union search must not over-reach). */
	accept(&l, "9.255.255.255\n11.0.0.0\n100.63.255.255\n100.128.0.0\n172.15.255.255\n"
		   "172.32.0.0\n223.255.255.255\n192.0.1.255\n192.0.3.0\n1.0.0.0\n");
	accept(&l, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff\n2001:db9::\nfbff:ffff::/32\n");
	refuse(&l, "192.0.1.255-192.0.2.0\n", "documentation");
	refuse(&l, "9.255.255.0-10.0.0.0\n", "private-use");
	/* The table itself parses as the families it claims. */
	for (size_t i = 0; i < policy_special_count(); i++)
		assert_true(policy_special_valid(i));
	const char *cidr = NULL;
	assert_non_null(policy_special(PFX_V4, 0x0a000001, 0x0a000001, &cidr));
	assert_string_equal(cidr, "10.0.0.0/8");
	assert_null(policy_special(PFX_V4, 0x08080808, 0x08080808, NULL));
	/* Every /8, whole and at its edges, against the /8s the table
	 * touches, written out by hand: the lookup that clears most /8s
	 * without a search must not clear one of these. */
	static const unsigned special8[] = {0, 10, 100, 127, 169, 172, 192, 198, 203};
	for (unsigned o = 0; o < 256; o++) {
		bool expect = o >= 224;
		for (size_t i = 0; i < sizeof special8 / sizeof special8[0]; i++)
			expect |= special8[i] == o;
		u128 lo = (u128)o << 24, hi = lo | 0xffffff;
		if ((policy_special(PFX_V4, lo, hi, NULL) != NULL) != expect)
			fail_msg("%u.0.0.0/8: special %s", o, expect ? "missed" : "invented");
		if (!expect && (policy_special(PFX_V4, lo, lo, NULL) || policy_special(PFX_V4, hi, hi, NULL)))
			fail_msg("%u.0.0.0/8: an edge found special", o);
	}
}

static void
test_counts(void **state)
{
	struct source_limits l = limits();
	char text[64 * 101];
	(void)state;

	refuse(&l, "", "empty list");
	refuse(&l, "# only a comment\n", "empty list");
	l.allow_empty = true;
	accept(&l, "");
	text[0] = 0;
	for (int i = 0; i < 101; i++)
		sprintf(text + strlen(text), "8.8.%d.1\n", i);
	refuse(&l, text, "101 entries, more than max_entries = 100");
	l.max_entries = 101;
	accept(&l, text);
	/* Counted as CIDRs after merging: 8.8.8.0-8.8.8.2 is two. */
	l.max_entries = 1;
	refuse(&l, "8.8.8.0\n8.8.8.1\n8.8.8.2\n", "2 entries");
	accept(&l, "8.8.8.0\n8.8.8.1\n");
}

static void
shrink_case(const char *live_text, const char *want_text, unsigned pct, int expect,
	    const char *why)
{
	struct pset *live = test_set(live_text), *want = test_set(want_text), *removed = pset_new();
	struct err reason = {0};

	assert_int_equal(pset_diff(live, want, NULL, removed), 0);
	int r = policy_shrink(live, want, removed, pct, &reason);
	if (r != expect)
		fail_msg("shrink %s -> %s at %u%%: got %d (%s)", live_text, want_text, pct, r,
			 reason.msg);
	if (why && !strstr(reason.msg, why))
		fail_msg("reason \"%s\" lacks \"%s\"", reason.msg, why);
	pset_free(removed);
	pset_free(live);
	pset_free(want);
}

static void
test_shrink(void **state)
{
	(void)state;
	/* Nothing live: anything goes (a first run, a lost file). */
	shrink_case("", "8.8.8.8\n", 50, 0, NULL);
	shrink_case("", "", 50, 0, NULL);
	/* 5 -> 1 entries: -80%. */
	shrink_case("8.8.8.1\n8.8.8.3\n8.8.8.5\n8.8.8.7\n8.8.8.9\n", "8.8.8.1\n", 50, 1,
		    "from 5 to 1 entry (-80%");
	shrink_case("8.8.8.1\n8.8.8.3\n8.8.8.5\n8.8.8.7\n8.8.8.9\n", "8.8.8.1\n", 80, 0, NULL);
	/* The same count but most addresses gone. */
	shrink_case("9.0.0.0/16\n8.8.8.8\n", "9.0.0.0/24\n8.8.8.8\n", 50, 1, "IPv4 addresses");
	/* Renumbering: every entry replaced. */
	shrink_case("9.0.0.0/24\n", "9.1.0.0/24\n", 50, 1, "would lose 1 of its 1 entry (-100%");
	/* Growth never holds; 100% disables the guard. */
	shrink_case("8.8.8.8\n", "8.8.8.0/24\n", 0, 0, NULL);
	shrink_case("8.8.8.0/24\n", "", 100, 0, NULL);
	shrink_case("8.8.8.0/24\n", "", 99, 1, NULL);
	/* IPv6 judged on its own: losing all of it is a shrink even when
	 * IPv4 stays. */
	shrink_case("8.8.8.0/24\n8.8.4.0/24\n8.8.5.0/24\n2a00::/32\n",
		    "8.8.8.0/24\n8.8.4.0/24\n8.8.5.0/24\n", 50, 1, "IPv6 addresses");
	/* Exactly at the limit is allowed. */
	shrink_case("8.8.8.0\n8.8.8.2\n", "8.8.8.0\n", 50, 0, NULL);
	/* Entries that merge into a broader one are not lost: fewer
	 * entries, more addresses (the wrong "-71%"). */
	shrink_case("30.1.0.0/24\n30.1.2.0/24\n30.1.4.0/24\n30.1.6.0/24\n30.1.8.0/24\n"
		    "30.1.10.0/24\n30.1.12.0/24\n", "30.0.0.0/12\n", 50, 0, NULL);
	/* Same count, entries replaced: lost, with the figures. */
	shrink_case("9.0.0.0/24\n9.2.0.0/24\n", "9.1.0.0/24\n9.3.0.0/24\n", 50, 1,
		    "would lose 2 of its 2 entries (-100%, max_shrink = 50%)");
	shrink_case("9.0.0.0/16\n8.8.8.8\n", "9.0.0.0/24\n8.8.8.8\n", 60, 1,
		    "would drop 65,280 of the 65,537 IPv4 addresses (-100%, max_shrink = 60%)");
}

static void
growth_case(const char *live_text, const char *want_text, unsigned factor, int expect,
	    const char *why)
{
	struct pset *live = test_set(live_text), *want = test_set(want_text);
	struct err reason = {0};

	int r = policy_growth(live, want, factor, &reason);
	if (r != expect)
		fail_msg("growth %s -> %s at %ux: got %d (%s)", live_text, want_text, factor, r,
			 reason.msg);
	if (why && strcmp(reason.msg, why) != 0)
		fail_msg("reason \"%s\", not \"%s\"", reason.msg, why);
	pset_free(live);
	pset_free(want);
}

static void
test_growth(void **state)
{
	static const char hooks[] =
		"192.30.252.0/22\n185.199.108.0/22\n140.82.112.0/20\n143.55.64.0/20\n";
	char more[512];
	(void)state;

	snprintf(more, sizeof more, "%s20.0.0.0/12\n20.32.0.0/12\n20.64.0.0/12\n20.96.0.0/12\n"
		 "20.128.0.0/12\n20.160.0.0/12\n20.192.0.0/12\n20.224.0.0/12\n", hooks);
	growth_case(hooks, more, 10, 1,
		    "would grow from 10,240 to 8,398,848 IPv4 addresses (more than max_growth 10x)");
	growth_case(hooks, more, 1000, 0, NULL);
	growth_case(hooks, more, 0, 0, NULL);
	/* Nothing live, or nothing live in a family: no baseline. */
	growth_case("", more, 10, 0, NULL);
	growth_case(hooks, "192.30.252.0/22\n2a0a:a440::/29\n", 10, 0, NULL);
	/* Exactly 10x passes, one address more does not. */
	growth_case("8.8.8.0/31\n", "8.8.8.0/31\n9.0.0.0/28\n9.0.1.0/31\n", 10, 0, NULL);
	growth_case("8.8.8.0/31\n", "8.8.8.0/31\n9.0.0.0/28\n9.0.1.0/31\n9.0.2.0\n", 10, 1,
		    "would grow from 2 to 21 IPv4 addresses (more than max_growth 10x)");
	/* IPv6, 128-bit: a /48 to a /32 is 65,536x. */
	growth_case("2a00::/48\n", "2a00::/32\n", 10, 1,
		    "would grow from 1,208,925,819,614,629,174,706,176 to 79,228,162,514,264,337,593,543,950,336 IPv6 addresses (more than max_growth 10x)");
	/* Entries: 1 -> 11 (addresses 256 -> 266). */
	growth_case("9.9.9.0/24\n", "9.9.9.0/24\n9.9.0.1\n9.9.2.1\n9.9.4.1\n9.9.6.1\n9.9.8.1\n"
		    "9.9.10.1\n9.9.12.1\n9.9.14.1\n9.9.16.1\n9.9.18.1\n", 10, 1,
		    "would grow from 1 to 11 entries (more than max_growth 10x)");
	/* The factor times a huge count must not overflow into a hold. */
	growth_case("::/1\n", "::/1\n8000::/2\n", 1000000, 0, NULL);
	growth_case("::/1\n", "::/1\n8000::/2\n", 1, 1, NULL);
}


int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floors),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_merged_floor_1024),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_grant_output),
		cmocka_unit_test(test_shrink),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
