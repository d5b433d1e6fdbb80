/* Unit tests: url — redaction of the secrets a URL can carry, and the
 * origin credentials are confined to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "url.h"

#include <string.h>

static void
redacts(const char *url, const char *want)
{
	char buf[256];

	assert_string_equal(url_redact(url, buf, sizeof buf), want);
}

static void
test_redact(void **state)
{
	(void)state;
	/* Nothing secret: unchanged. */
	redacts("https://a.example/ip-ranges.json", "https://a.example/ip-ranges.json");
	redacts("https://a.example:8443/x#frag", "https://a.example:8443/x#frag");
	redacts("not a url", "not a url");
	redacts("", "");
	/* Query values, each of them; names stay. */
	redacts("https://a.example/x?token=s3cret", "https://a.example/x?token=REDACTED");
	redacts("https://a.example/x?a=1&token=s3cret&b=",
		"https://a.example/x?a=REDACTED&token=REDACTED&b=");
	redacts("https://a.example/x?s3cret", "https://a.example/x?REDACTED");
	redacts("https://a.example/x?t=s3cret#part", "https://a.example/x?t=REDACTED#part");
	redacts("https://a.example/x?", "https://a.example/x?");
	redacts("https://a.example/x?&&t=1", "https://a.example/x?&&t=REDACTED");
	/* '?' in the fragment is no query. */
	redacts("https://a.example/x#a?b=c", "https://a.example/x#a?b=c");
	/* Userinfo, whatever the scheme. */
	redacts("https://user:pw@a.example/x", "https://REDACTED@a.example/x");
	redacts("http://user@a.example", "http://REDACTED@a.example");
	redacts("https://u:p@a.example/x?k=v", "https://REDACTED@a.example/x?k=REDACTED");
	/* An '@' in the path is not userinfo. */
	redacts("https://a.example/~u@x", "https://a.example/~u@x");

	/* Truncated, never overflowed. */
	char small[12];
	url_redact("https://a.example/x?token=s3cret", small, sizeof small);
	assert_string_equal(small, "https://a.e");
}

static void
test_redact_text(void **state)
{
	char msg[256];

	(void)state;
	strcpy(msg, "https://a.example/x?token=s3cret: redirect to "
		    "https://u:pw@b.example/y?sig=abc refused: only https:// is followed");
	url_redact_text(msg, sizeof msg);
	assert_string_equal(msg, "https://a.example/x?token=REDACTED: redirect to "
				 "https://REDACTED@b.example/y?sig=REDACTED refused: only https:// "
				 "is followed");
	strcpy(msg, "source \"s\": 3 entries from (https://a.example/?k=v), ok");
	url_redact_text(msg, sizeof msg);
	assert_string_equal(msg, "source \"s\": 3 entries from (https://a.example/?k=REDACTED), ok");
	strcpy(msg, "no URL here");
	url_redact_text(msg, sizeof msg);
	assert_string_equal(msg, "no URL here");
	/* The redacted text never outgrows the buffer. */
	char small[40];
	strcpy(small, "x https://a.example/?a=1&b=2&c=3");
	url_redact_text(small, sizeof small);
	assert_string_equal(small, "x https://a.example/?a=REDACTED&b=REDAC");
	assert_false(strstr(small, "=1"));
}

static void
test_userinfo_origin(void **state)
{
	(void)state;
	assert_true(url_has_userinfo("https://u:p@a.example/x"));
	assert_true(url_has_userinfo("https://u@a.example"));
	assert_true(url_has_userinfo("HTTP://:p@a.example/"));
	assert_false(url_has_userinfo("https://a.example/x@y"));
	assert_false(url_has_userinfo("https://a.example/x?m=a@b"));
	assert_false(url_has_userinfo("https://a.example#@x"));
	assert_false(url_has_userinfo("a.example@x"));

	assert_true(url_same_origin("https://a.example/x", "https://A.example/x.minisig"));
	assert_true(url_same_origin("https://a.example:8443/x", "https://a.example:8443?y"));
	assert_false(url_same_origin("https://a.example/x", "https://b.example/x"));
	assert_false(url_same_origin("https://a.example/x", "https://a.example:8443/x"));
	assert_false(url_same_origin("https://a.example/x", "https://a.example.evil/x"));
	assert_false(url_same_origin("https://a.example/x", "http://a.example/x"));
	assert_false(url_same_origin("https://a.example/x", "junk"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact),
		cmocka_unit_test(test_redact_text),
		cmocka_unit_test(test_userinfo_origin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
