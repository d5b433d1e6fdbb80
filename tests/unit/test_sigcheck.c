/* Unit tests for sigcheck: trusted comments and the acceptance rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "minisign.h"
#include "sigcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_comment_roundtrip(void **state)
{
	(void)state;
	char tc[256];
	struct sigcheck_info info;
	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, 1764280000, "relay.json", 42,
						 1764884800),
			 0);
	assert_string_equal(tc,
			    "timestamp:1764280000\tfile:relay.json\tserial:42\texpires:1764884800");
	assert_null(sigcheck_comment_parse(tc, &info));
	assert_int_equal(info.serial, 42);
	assert_int_equal(info.expires, 1764884800);
	assert_int_equal(info.timestamp, 1764280000);
	assert_string_equal(info.file, "relay.json");
	assert_null(sigcheck_file_check(&info, "https://x.example/a/relay.json"));
	assert_null(sigcheck_file_check(&info, "https://x.example/relay.json?x=1#f"));
	assert_non_null(sigcheck_file_check(&info, "https://x.example/a/relay-eu.json"));
	assert_non_null(sigcheck_file_check(&info, "https://x.example/relay.json/"));
	assert_non_null(sigcheck_file_check(&info, "https://x.example"));
	info.file[0] = '\0';
	assert_null(sigcheck_file_check(&info, "https://x.example/other.json"));
	/* Blanks in the file name would make the comment ambiguous. */
	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, 1, "a b.json", 1, 2), -1);
	/* Too small a buffer is an error, not a truncated comment. */
	assert_int_equal(sigcheck_comment_format(tc, 10, 1, "a.json", 1, 2), -1);
}

static void
test_comment_parse_variants(void **state)
{
	(void)state;
	struct sigcheck_info info;
	/* Spaces work as separators; unknown fields and bare words pass. */
	assert_null(sigcheck_comment_parse("serial:7 expires:100 hashed x:y", &info));
	assert_int_equal(info.serial, 7);
	assert_int_equal(info.expires, 100);
	assert_int_equal(info.timestamp, 0);

	static const char *const bad[] = {
		"",
		"timestamp:1\tfile:x", /* minisign's default comment */
		"serial:7",
		"expires:100",
		"serial:0 expires:100",
		"serial:-1 expires:100",
		"serial:7 expires:1e9",
		"serial:7 serial:8 expires:100",
		"serial:7 expires:100 expires:200",
		"serial:99999999999999999999999 expires:100",
		"serial:7 expires:100 timestamp:x",
		"serial:7 expires:100 file:a file:b",
		"serial:7 expires:100 file:",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_non_null(sigcheck_comment_parse(bad[i], &info));
}

struct keys {
	struct minisign_pk pk;
	struct minisign_sk sk;
	char pub[MINISIGN_PK_B64_MAX];
};

static char *
signed_doc(const struct keys *k, const char *body, uint64_t serial, int64_t expires, bool legacy,
	   size_t *n)
{
	char tc[256];
	struct err reason;
	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, 1000, "d.json", serial, expires), 0);
	char *s = minisign_sign(&k->sk, body, strlen(body), legacy, "test", tc, n, &reason);
	assert_non_null(s);
	return s;
}

static void
test_verify_rules(void **state)
{
	(void)state;
	struct keys k, other;
	struct sigcheck_info info;
	struct err err;
	size_t n;
	const char *body = "{\"prefixes\": []}\n";
	const time_t now = 5000;

	assert_int_equal(minisign_generate(&k.pk, &k.sk), 0);
	minisign_pk_b64(&k.pk, k.pub);
	assert_int_equal(minisign_generate(&other.pk, &other.sk), 0);

	for (int legacy = 0; legacy <= 1; legacy++) {
		char *sig = signed_doc(&k, body, 10, 9000, legacy, &n);
		assert_int_equal(
		    sigcheck_verify(k.pub, body, strlen(body), sig, n, 0, now, &info, &err),
		    SIGCHECK_OK);
		assert_int_equal(info.serial, 10);
		/* The same publication again is not a rollback. */
		assert_int_equal(
		    sigcheck_verify(k.pub, body, strlen(body), sig, n, 10, now, &info, &err),
		    SIGCHECK_OK);
		assert_int_equal(
		    sigcheck_verify(k.pub, body, strlen(body), sig, n, 11, now, &info, &err),
		    SIGCHECK_ROLLBACK);
		assert_non_null(strstr(err.msg, "rollback"));
		assert_non_null(strstr(err.msg, "11"));
		assert_int_equal(sigcheck_verify(k.pub, "{}", 2, sig, n, 0, now, &info, &err),
				 SIGCHECK_BAD_SIG);
		assert_non_null(strstr(err.msg, "tampered"));
		assert_int_equal(
		    sigcheck_verify(k.pub, body, strlen(body), sig, n, 0, 9000, &info, &err),
		    SIGCHECK_EXPIRED);
		assert_non_null(strstr(err.msg, "expired"));
		free(sig);

		sig = signed_doc(&other, body, 10, 9000, legacy, &n);
		assert_int_equal(
		    sigcheck_verify(k.pub, body, strlen(body), sig, n, 0, now, &info, &err),
		    SIGCHECK_WRONG_KEY);
		assert_non_null(strstr(err.msg, "another key"));
		free(sig);
	}

	assert_int_equal(
	    sigcheck_verify(k.pub, body, strlen(body), "garbage", 7, 0, now, &info, &err),
	    SIGCHECK_MALFORMED);
	assert_non_null(strstr(err.msg, "malformed"));
	assert_int_equal(
	    sigcheck_verify("/nonexistent.pub", body, strlen(body), "x", 1, 0, now, &info, &err),
	    SIGCHECK_BAD_PUBKEY);

	/* A valid minisign signature without allowsync's fields. */
	struct err reason;
	char *plain = minisign_sign(&k.sk, body, strlen(body), false, "u", "timestamp:1\tfile:x",
				    &n, &reason);
	assert_int_equal(sigcheck_verify(k.pub, body, strlen(body), plain, n, 0, now, &info, &err),
			 SIGCHECK_BAD_COMMENT);
	assert_non_null(strstr(err.msg, "serial"));
	free(plain);
	minisign_sk_wipe(&k.sk);
	minisign_sk_wipe(&other.sk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comment_roundtrip),
		cmocka_unit_test(test_comment_parse_variants),
		cmocka_unit_test(test_verify_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
