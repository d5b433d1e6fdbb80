/* Unit tests for spfzone: record layout, limits, the too-large error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "spfzone.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct pset *
set_of(const char *const *pfx, size_t n)
{
	struct pset *s = pset_new();
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		struct pfx x;
		struct err why;
		assert_true(pfx_parse(pfx[i], strlen(pfx[i]), &x, &why));
		assert_int_equal(pset_add_pfx(s, &x), 0);
	}
	assert_int_equal(pset_merge(s), 0);
	return s;
}

/* n scattered IPv4 hosts (never adjacent, so nothing merges). */
static struct pset *
hosts(size_t n)
{
	struct pset *s = pset_new();
	assert_non_null(s);
	for (size_t i = 0; i < n; i++) {
		u128 a = ((u128)198 << 24) | (u128)(2 * i);
		assert_int_equal(pset_add_range(s, PFX_V4, a, a), 0);
	}
	assert_int_equal(pset_merge(s), 0);
	return s;
}

/* Check every limit, and that the ip terms of all records give `want`
 * back and the top includes exactly the sub-records. */
static void
check_zone(const struct spfzone *z, const struct pset *want)
{
	struct pset *got = pset_new();
	assert_non_null(got);
	assert_true(z->n >= 1 && z->n <= SPFZONE_MAX_INCLUDES + 1);
	for (size_t i = 0; i < z->n; i++) {
		const struct spfzone_rec *r = &z->rec[i];
		char *all = calloc(1, 8192);
		size_t rd = 0;
		assert_non_null(all);
		for (size_t j = 0; j < r->n_strings; j++) {
			size_t l = strlen(r->strings[j]);
			assert_true(l > 0 && l <= SPFZONE_STRING_MAX);
			/* Strings break between terms only. */
			if (j > 0)
				assert_int_equal(r->strings[j][0], ' ');
			rd += 1 + l;
			strcat(all, r->strings[j]);
		}
		assert_int_equal(rd, r->rdlen);
		assert_true(r->answer <= SPFZONE_UDP_MAX);
		assert_int_equal(r->answer, 12 + strlen(r->name) + 2 + 4 + 12 + r->rdlen);
		assert_memory_equal(all, "v=spf1 ", 7);
		assert_string_equal(all + strlen(all) - 5, " -all");
		size_t includes = 0;
		for (char *tok = strtok(all, " "); tok; tok = strtok(NULL, " ")) {
			if (strncmp(tok, "ip4:", 4) == 0 || strncmp(tok, "ip6:", 4) == 0) {
				struct pfx x;
				struct err why;
				assert_true(pfx_parse(tok + 4, strlen(tok + 4), &x, &why));
				assert_int_equal(pset_add_pfx(got, &x), 0);
			} else if (strncmp(tok, "include:", 8) == 0) {
				assert_int_equal(i, 0);
				assert_true(includes + 1 < z->n);
				assert_string_equal(tok + 8, z->rec[++includes].name);
			} else {
				assert_true(strcmp(tok, "v=spf1") == 0 || strcmp(tok, "-all") == 0);
			}
		}
		if (i == 0)
			assert_int_equal(includes, z->n - 1);
		free(all);
	}
	assert_int_equal(pset_merge(got), 0);
	assert_true(pset_equal(got, want));
	pset_free(got);
}

static void
test_single_record(void **state)
{
	(void)state;
	static const char *const p[] = {"198.51.100.7", "203.0.113.0/24", "2001:db8::/32",
					"2001:db8:1::1"};
	struct pset *s = set_of(p, 4);
	struct spfzone *z = NULL;
	struct err err;
	assert_int_equal(spfzone_build(s, "spf.example.com", &z, &err), 0);
	assert_int_equal(z->n, 1);
	assert_int_equal(z->rec[0].n_strings, 1);
	assert_string_equal(z->rec[0].strings[0], "v=spf1 ip4:198.51.100.7 ip4:203.0.113.0/24 "
						  "ip6:2001:db8::/32 -all");
	check_zone(z, s);
	size_t len;
	char *text = spfzone_text(z, 3600, "test", &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "\nspf.example.com. 3600 IN TXT \"v=spf1 ip4:198.51.100.7 "));
	assert_int_equal(strlen(text), len);
	free(text);
	spfzone_free(z);
	pset_free(s);
}

static void
test_split_records(void **state)
{
	(void)state;
	struct err err;
	/* From one record to the most sub-records the limit allows. */
	for (size_t n = 20; n <= 260; n += 20) {
		struct pset *s = hosts(n);
		struct spfzone *z = NULL;
		if (spfzone_build(s, "spf.mail.example.net", &z, &err) != 0)
			fail_msg("%zu hosts: %s", n, err.msg);
		check_zone(z, s);
		if (n >= 60)
			assert_true(z->n > 1);
		spfzone_free(z);
		pset_free(s);
	}
	/* An IPv6-heavy inventory: long terms. */
	struct pset *s = pset_new();
	for (unsigned i = 0; i < 60; i++) {
		u128 a = ((u128)0x20010db8u << 96) | ((u128)(0x1234u + 2 * i) << 64) | 0xabcd;
		assert_int_equal(pset_add_range(s, PFX_V6, a, a), 0);
	}
	assert_int_equal(pset_merge(s), 0);
	struct spfzone *z = NULL;
	assert_int_equal(spfzone_build(s, "spf.example.com", &z, &err), 0);
	check_zone(z, s);
	spfzone_free(z);
	pset_free(s);
}

static void
test_too_large(void **state)
{
	(void)state;
	struct err err;
	struct pset *s = hosts(3000);
	struct spfzone *z = NULL;
	assert_int_equal(spfzone_build(s, "spf.example.com", &z, &err), -1);
	assert_null(z);
	assert_non_null(strstr(err.msg, "3000 CIDRs do not fit"));
	assert_non_null(strstr(err.msg, "hold about "));
	/* The room the message states is real: that many fit. */
	size_t room = (size_t)atol(strstr(err.msg, "hold about ") + strlen("hold about "));
	assert_true(room > 200 && room < 3000);
	pset_free(s);
	s = hosts(room);
	assert_int_equal(spfzone_build(s, "spf.example.com", &z, &err), 0);
	assert_int_equal(z->n, SPFZONE_MAX_INCLUDES + 1);
	check_zone(z, s);
	spfzone_free(z);
	pset_free(s);
	s = hosts(room + 1);
	assert_int_equal(spfzone_build(s, "spf.example.com", &z, &err), -1);
	pset_free(s);
}

static void
test_domain_check(void **state)
{
	(void)state;
	assert_null(spfzone_domain_check("spf.example.com"));
	assert_null(spfzone_domain_check("_spf.example-1.com"));
	assert_non_null(spfzone_domain_check(""));
	assert_non_null(spfzone_domain_check("spf.example.com."));
	assert_non_null(spfzone_domain_check("spf..example.com"));
	assert_non_null(spfzone_domain_check("sp f.example.com"));
	assert_non_null(spfzone_domain_check("spf\".example.com"));
	char longlabel[80];
	memset(longlabel, 'a', 64);
	strcpy(longlabel + 64, ".com");
	assert_non_null(spfzone_domain_check(longlabel));
	struct pset *s = hosts(1);
	struct spfzone *z = NULL;
	struct err err;
	assert_int_equal(spfzone_build(s, "bad domain", &z, &err), -1);
	assert_non_null(strstr(err.msg, "spf_domain"));
	pset_free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_record),
		cmocka_unit_test(test_split_records),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_domain_check),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
