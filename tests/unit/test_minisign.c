/* Unit tests for minisign: formats, sign/verify, both algorithms, refusals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "minisign.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Made by Debian's minisign 0.11: `minisign -G -W`, then
 * `minisign -S -s k.key -m m -t "hello tc"` over "hello\n" (ED) and the
 * same with -l (Ed). */
static const char MS_PUB[] = "untrusted comment: minisign public key 3CD0C6E5E4030098\n"
			     "RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1\n";
static const char MS_PUB_B64[] = "RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1";
static const char MS_SEC[] =
	"untrusted comment: minisign encrypted secret key\n"
	"RWQAAEIyAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAmAAD5OXG0Dwfzyyo"
	"Cr4F0AKDkxEMV46SIy+6cUjVX7vkaLVBZJ/WiiUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1AAAAAAAA"
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
static const char MS_MSG[] = "hello\n";
static const char MS_SIG_ED[] =
	"untrusted comment: signature from minisign secret key\n"
	"RUSYAAPk5cbQPMFi1K7vmDTXqPx/cTreBRSJXiOQJhsd/ERo6SL0TLbj6zNQNxw/IjmHwz0IIagjFMN1vOWWBoO4O/"
	"LrT0wxtwc=\n"
	"trusted comment: hello tc\n"
	"2YHe6bhT9fVoiQzzZeawIrYGZJCdzUoV7L73w0aMcYabOHZrgv0BX8TzeJ5XQa64Bvcx9MVrA3iNW3rEDbymAw==\n";
static const char MS_SIG_LEGACY[] =
	"untrusted comment: signature from minisign secret key\n"
	"RWSYAAPk5cbQPPwV43xuTou6UP7t9zJuqMAyJ9d2E9q/CsV5FadN3kHG/k1SJs+rG9cgzH+XE2x7JQG1WHXLbeBo0x"
	"pzvRA03Qc=\n"
	"trusted comment: hello tc\n"
	"ZNxVsqthU0GflxRSTctGb7wPpJ+U1r5GhjSqocRzzDxQ0a7NaAAM775ae1fv4rIR+Fz4UCygtWAGJ6DzMxQeAQ==\n";

static void
test_parse_minisign_keys(void **state)
{
	(void)state;
	struct minisign_pk pk, pk2, pk3;
	struct minisign_sk sk;
	char id[17], b64[MINISIGN_PK_B64_MAX];

	assert_null(minisign_pk_parse(MS_PUB, strlen(MS_PUB), &pk));
	minisign_keyid_str(pk.keynum, id);
	assert_string_equal(id, "3CD0C6E5E4030098");
	minisign_pk_b64(&pk, b64);
	assert_string_equal(b64, MS_PUB_B64);
	assert_null(minisign_pk_parse(MS_PUB_B64, strlen(MS_PUB_B64), &pk2));
	assert_memory_equal(&pk, &pk2, sizeof pk);

	assert_null(minisign_sk_parse(MS_SEC, strlen(MS_SEC), &sk));
	minisign_sk_public(&sk, &pk3);
	assert_memory_equal(&pk, &pk3, sizeof pk);
	minisign_sk_wipe(&sk);
}

static void
test_verify_minisign_signatures(void **state)
{
	(void)state;
	struct minisign_pk pk;
	char tc[256];
	struct err reason = {0}; /* verify says nothing on success */

	assert_null(minisign_pk_parse(MS_PUB, strlen(MS_PUB), &pk));
	assert_int_equal(minisign_verify(&pk, MS_MSG, strlen(MS_MSG), MS_SIG_ED, strlen(MS_SIG_ED),
					 tc, sizeof tc, &reason),
			 MINISIGN_OK);
	assert_string_equal(tc, "hello tc");
	assert_string_equal(reason.msg, "");
	assert_int_equal(minisign_verify(&pk, MS_MSG, strlen(MS_MSG), MS_SIG_LEGACY,
					 strlen(MS_SIG_LEGACY), tc, sizeof tc, &reason),
			 MINISIGN_OK);
	/* A body changed by one byte fails both algorithms. */
	assert_int_equal(minisign_verify(&pk, "hellO\n", 6, MS_SIG_ED, strlen(MS_SIG_ED), tc,
					 sizeof tc, &reason),
			 MINISIGN_BAD_SIG);
	assert_true(reason.msg[0] != '\0');
	assert_int_equal(minisign_verify(&pk, "hellO\n", 6, MS_SIG_LEGACY, strlen(MS_SIG_LEGACY),
					 tc, sizeof tc, &reason),
			 MINISIGN_BAD_SIG);
}

static void
test_sign_verify_roundtrip(void **state)
{
	(void)state;
	struct minisign_pk pk;
	struct minisign_sk sk;
	struct err reason = {0};
	char tc[256];
	size_t n;
	const char msg[] = "{\"serial\": 1}\n";

	assert_int_equal(minisign_generate(&pk, &sk), 0);
	for (int legacy = 0; legacy <= 1; legacy++) {
		char *sig = minisign_sign(&sk, msg, strlen(msg), legacy, "allowsync", "serial:7", &n,
					  &reason);
		assert_non_null(sig);
		assert_int_equal(n, strlen(sig));
		/* Line 2 starts with base64 of "ED" (RU…) or "Ed" (RW…). */
		const char *l2 = strchr(sig, '\n') + 1;
		assert_memory_equal(l2, legacy ? "RW" : "RU", 2);
		assert_int_equal(minisign_verify(&pk, msg, strlen(msg), sig, n, tc, sizeof tc,
						 &reason),
				 MINISIGN_OK);
		assert_string_equal(tc, "serial:7");

		/* An altered trusted comment breaks the global signature. */
		char *bad = strdup(sig);
		char *t = strstr(bad, "serial:7");
		t[7] = '9';
		assert_int_equal(minisign_verify(&pk, msg, strlen(msg), bad, n, tc, sizeof tc,
						 &reason),
				 MINISIGN_BAD_GLOBAL_SIG);
		free(bad);
		free(sig);
	}
	/* Deterministic: the same input signs to the same text (publish
	 * relies on this to leave unchanged files alone). */
	char *a = minisign_sign(&sk, msg, strlen(msg), false, "u", "t", &n, &reason);
	char *b = minisign_sign(&sk, msg, strlen(msg), false, "u", "t", &n, &reason);
	assert_string_equal(a, b);
	free(a);
	free(b);
	/* Line breaks in a comment would corrupt the file. */
	assert_null(minisign_sign(&sk, msg, strlen(msg), false, "u", "a\nb", &n, &reason));
	assert_true(reason.msg[0] != '\0');
	minisign_sk_wipe(&sk);
}

static void
test_wrong_key(void **state)
{
	(void)state;
	struct minisign_pk pk1, pk2, pk3;
	struct minisign_sk sk1, sk2;
	struct err reason;
	size_t n;

	assert_int_equal(minisign_generate(&pk1, &sk1), 0);
	assert_int_equal(minisign_generate(&pk2, &sk2), 0);
	char *sig = minisign_sign(&sk1, "x", 1, false, "u", "t", &n, &reason);
	assert_non_null(sig);
	assert_int_equal(minisign_verify(&pk2, "x", 1, sig, n, NULL, 0, &reason),
			 MINISIGN_WRONG_KEY);
	/* Same key id, other key material: a bad signature, not a wrong id. */
	pk3 = pk2;
	memcpy(pk3.keynum, pk1.keynum, sizeof pk3.keynum);
	assert_int_equal(minisign_verify(&pk3, "x", 1, sig, n, NULL, 0, &reason),
			 MINISIGN_BAD_SIG);
	free(sig);
	minisign_sk_wipe(&sk1);
	minisign_sk_wipe(&sk2);
}

static void
test_malformed(void **state)
{
	(void)state;
	struct minisign_pk pk;
	struct err reason = {0};
	assert_null(minisign_pk_parse(MS_PUB, strlen(MS_PUB), &pk));

	static const char *const bad[] = {
		"",
		"<html>404</html>\n",
		"untrusted comment: x\n",
		"untrusted comment: x\nRUSY\ntrusted comment: t\nAAAA\n",
		/* Wrong line 3 prefix. */
		"untrusted comment: signature from minisign secret key\n"
		"RUSYAAPk5cbQPMFi1K7vmDTXqPx/cTreBRSJXiOQJhsd/ERo6SL0TLbj6zNQNxw/IjmHwz0IIagjFMN1vOWWBo"
		"O4O/LrT0wxtwc=\nhello tc\n"
		"2YHe6bhT9fVoiQzzZeawIrYGZJCdzUoV7L73w0aMcYabOHZrgv0BX8TzeJ5XQa64Bvcx9MVrA3iNW3rEDbymAw==\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err_clear(&reason);
		assert_int_equal(minisign_verify(&pk, MS_MSG, strlen(MS_MSG), bad[i], strlen(bad[i]),
						 NULL, 0, &reason),
				 MINISIGN_MALFORMED);
		assert_true(reason.msg[0] != '\0');
	}
	/* An unknown algorithm ("Ex") with everything else right. */
	char *sig = strdup(MS_SIG_ED);
	char *l2 = strchr(sig, '\n') + 1;
	l2[1] = 'V'; /* "RU" -> "RV": first two bytes now decode to "E\x58"-ish */
	assert_int_equal(minisign_verify(&pk, MS_MSG, strlen(MS_MSG), sig, strlen(sig), NULL, 0,
					 &reason),
			 MINISIGN_UNSUPPORTED);
	free(sig);

	assert_non_null(minisign_pk_parse("RWnotakey", 9, &pk));
	assert_non_null(minisign_pk_parse("", 0, &pk));
	struct minisign_sk sk;
	assert_non_null(minisign_sk_parse(MS_PUB, strlen(MS_PUB), &sk));
	/* An encrypted ("Sc") key is refused with a hint. */
	char *enc = strdup(MS_SEC);
	char *k = strchr(enc, '\n') + 1;
	memcpy(k, "RWRTY0IyAA", 10); /* base64 of "EdScB2" + zero */
	const char *r = minisign_sk_parse(enc, strlen(enc), &sk);
	assert_non_null(r);
	assert_non_null(strstr(r, "password"));
	free(enc);
}

static void
test_checksum_checked(void **state)
{
	(void)state;
	struct minisign_pk pk, pk2;
	struct minisign_sk sk, sk2;
	assert_int_equal(minisign_generate(&pk, &sk), 0);
	char *text = minisign_sk_file_text(&sk);
	assert_non_null(text);
	assert_null(minisign_sk_parse(text, strlen(text), &sk2));
	assert_memory_equal(&sk, &sk2, sizeof sk);
	minisign_sk_public(&sk2, &pk2);
	assert_memory_equal(&pk, &pk2, sizeof pk);
	/* Flip a bit of the stored checksum (last base64 chars before '='). */
	char *eq = strchr(text, '=');
	assert_non_null(eq);
	eq[-2] = eq[-2] == 'A' ? 'B' : 'A';
	const char *r = minisign_sk_parse(text, strlen(text), &sk2);
	assert_non_null(r);
	free(text);
	char *pt = minisign_pk_file_text(&pk);
	assert_null(minisign_pk_parse(pt, strlen(pt), &pk2));
	assert_memory_equal(&pk, &pk2, sizeof pk);
	free(pt);
	minisign_sk_wipe(&sk);
	minisign_sk_wipe(&sk2);
}

static void
test_keygen_files(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_minisign.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char pub[128], sec[128];
	struct err err;
	snprintf(pub, sizeof pub, "%s/k.pub", dir);
	snprintf(sec, sizeof sec, "%s/k.key", dir);
	struct minisign_pk pk, pk2;
	struct minisign_sk sk;

	assert_int_equal(minisign_keygen_files(pub, sec, &pk, &err), 0);
	struct stat st;
	assert_int_equal(stat(sec, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(minisign_pk_load(pub, &pk2, &err), 0);
	assert_memory_equal(&pk, &pk2, sizeof pk);
	assert_int_equal(minisign_sk_load(sec, &sk, &err), 0);
	minisign_sk_public(&sk, &pk2);
	assert_memory_equal(&pk, &pk2, sizeof pk);
	minisign_sk_wipe(&sk);

	/* Never overwrites; a failed keygen leaves the old files intact. */
	assert_int_equal(minisign_keygen_files(pub, sec, &pk2, &err), -1);
	assert_non_null(strstr(err.msg, "already exists"));
	char pub2[160];
	snprintf(pub2, sizeof pub2, "%s/other.pub", dir);
	assert_int_equal(minisign_keygen_files(pub2, sec, &pk2, &err), -1);
	assert_int_equal(access(pub2, F_OK), -1);
	assert_int_equal(minisign_pk_load(pub, &pk2, &err), 0);
	assert_memory_equal(&pk, &pk2, sizeof pk);

	/* A readable secret key is refused. */
	assert_int_equal(chmod(sec, 0644), 0);
	assert_int_equal(minisign_sk_load(sec, &sk, &err), -1);
	assert_non_null(strstr(err.msg, "group or others"));

	/* pubkey = accepts the bare key; a broken bare key says why. */
	assert_int_equal(minisign_pk_load(MS_PUB_B64, &pk2, &err), 0);
	char broken[] = "RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w!";
	assert_int_equal(minisign_pk_load(broken, &pk2, &err), -1);
	assert_non_null(strstr(err.msg, "public key"));
	assert_int_equal(minisign_pk_load("/nonexistent/k.pub", &pk2, &err), -1);
	assert_string_equal(err.msg, "neither a readable file nor a minisign public key (as a "
				     "file: No such file or directory; as a key: not a minisign "
				     "public key (bad base64 or length))");

	unlink(pub);
	unlink(sec);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_minisign_keys),
		cmocka_unit_test(test_verify_minisign_signatures),
		cmocka_unit_test(test_sign_verify_roundtrip),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_checksum_checked),
		cmocka_unit_test(test_keygen_files),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
