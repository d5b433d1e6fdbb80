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
	/* Adjacent narrow entries that merge into a broad one are fine:
	 * each was published as it is. */
	accept(&l, "1.0.0.0/12\n1.16.0.0/12\n");
	l.min_prefix4 = 8;
	accept(&l, "11.0.0.0/8\n");
	refuse(&l, "6.0.0.0/7\n", "hard floor /8");
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
		    "from 5 to 1 entries (-80%");
	shrink_case("8.8.8.1\n8.8.8.3\n8.8.8.5\n8.8.8.7\n8.8.8.9\n", "8.8.8.1\n", 80, 0, NULL);
	/* The same count but most addresses gone. */
	shrink_case("9.0.0.0/16\n8.8.8.8\n", "9.0.0.0/24\n8.8.8.8\n", 50, 1, "IPv4 addresses");
	/* Renumbering: every entry replaced. */
	shrink_case("9.0.0.0/24\n", "9.1.0.0/24\n", 50, 1, "IPv4 addresses");
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
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_floors),
		cmocka_unit_test(test_special),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_shrink),
	};
	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
