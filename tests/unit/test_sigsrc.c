/* Unit tests for sigsrc: keys, the stored-signature path, serial state,
 * the verification record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "conf.h"
#include "minisign.h"
#include "sigcheck.h"
#include "log.h"
#include "sigsrc.h"
#include "testfiles.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A [source relay] url source with `extra` keys, loaded through conf. */
static struct conf *
load(const char *extra, struct err *err)
{
	char path[128];
	struct conf *c = NULL;
	snprintf(path, sizeof path, "%s/a.conf", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "[global]\nstate_dir = %s\n\n[source relay]\ntype = url\n"
		   "url = https://example.com/relay.json\n%s",
		test_dir, extra);
	fclose(f);
	if (conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, err) < 0)
		return NULL;
	return c;
}

static void
test_keys(void **state)
{
	(void)state;
	struct err err;
	struct conf *c;
	struct sigsrc *s;

	/* Through conf: the url source accepts the keys. */
	c = load("pubkey = RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1\n", &err);
	if (!c)
		fail_msg("%s", err.msg);
	assert_int_equal(sigsrc_configure("relay", c->sources[0]->sec,
					  "https://example.com/relay.json", &s, &err),
			 0);
	assert_non_null(s);
	sigsrc_free(s);
	conf_free(c);

	static const struct {
		const char *extra, *want;
		unsigned line;
	} bad[] = {
		{"pubkey = RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w!\n", "pubkey", 7},
		{"pubkey = /nonexistent.pub\n", "/nonexistent.pub", 7},
		{"sig_url = https://example.com/x.minisig\n", "sig_url needs pubkey", 7},
		{"pubkey = RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1\n"
		 "sig_url = http://example.com/x.minisig\n",
		 "only https://", 8},
		{"pubkey = RWSYAAPk5cbQPCUld7SEXnMRaS1XDZ7u8B9h1T5NtUY/uJQ/X1hMZ0w1\n"
		 "sig_url = https://u:s3cret@example.com/x.minisig\n",
		 "sig_url: credentials in the URL are refused", 8},
		{"pubkey = /nonexistent.pub\n",
		 "neither a readable file nor a minisign public key (as a file: No such file or "
		 "directory; as a key: ", 7},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		c = load(bad[i].extra, &err);
		assert_null(c);
		if (!strstr(conf_reason(&err), bad[i].want))
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.msg, bad[i].want);
		assert_int_equal(err.line, bad[i].line);
	}
}

static void
put_sig(const char *text, size_t n)
{
	char path[128];
	snprintf(path, sizeof path, "%s/sig", test_dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/sig/relay.minisig", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, n, f), n);
	fclose(f);
}

static char *
sign(const struct minisign_sk *sk, const char *body, uint64_t serial, int64_t expires, size_t *n)
{
	char tc[256];
	struct err why;
	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, 1, "relay.json", serial, expires), 0);
	char *s = minisign_sign(sk, body, strlen(body), false, "t", tc, n, &why);
	assert_non_null(s);
	return s;
}

static void
test_stored_signature(void **state)
{
	(void)state;
	struct minisign_pk pk;
	struct minisign_sk sk;
	char pub[MINISIGN_PK_B64_MAX], extra[128];
	struct err err;
	struct err cerr;
	struct sigsrc *s;
	const char *body = "{\"prefixes\": [], \"ipv6_prefixes\": []}\n";
	size_t n;

	assert_int_equal(minisign_generate(&pk, &sk), 0);
	minisign_pk_b64(&pk, pub);
	snprintf(extra, sizeof extra, "pubkey = %s\n", pub);
	struct conf *c = load(extra, &cerr);
	assert_non_null(c);
	assert_int_equal(sigsrc_configure("relay", c->sources[0]->sec,
					  "https://example.com/ranges/relay.json?v=1", &s, &cerr),
			 0);

	assert_int_equal(sigsrc_last_serial(test_dir, "relay"), 0);
	/* No stored signature yet. */
	assert_int_equal(
	    sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "missing signature"));

	char *sig = sign(&sk, body, 50, 5000, &n);
	put_sig(sig, n);
	free(sig);
	assert_int_equal(
	    sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED, 1000, &err), 0);
	/* Nothing is remembered before commit. */
	assert_int_equal(sigsrc_last_serial(test_dir, "relay"), 0);
	assert_int_equal(sigsrc_commit(s, test_dir, "relay", &err), 0);
	assert_int_equal(sigsrc_last_serial(test_dir, "relay"), 50);

	/* Later, the stored copy has expired: refused. */
	assert_int_equal(
	    sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED, 5000, &err), -1);
	assert_non_null(strstr(err.msg, "expired"));

	/* An older serial now counts as a rollback. */
	sig = sign(&sk, body, 49, 9000, &n);
	put_sig(sig, n);
	free(sig);
	assert_int_equal(
	    sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "rollback"));
	assert_int_equal(sigsrc_last_serial(test_dir, "relay"), 50);

	/* A signature made for another of the publisher's documents. */
	char tc[256];
	struct err why;
	assert_int_equal(sigcheck_comment_format(tc, sizeof tc, 1, "relay-eu.json", 60, 9000), 0);
	sig = minisign_sign(&sk, body, strlen(body), false, "t", tc, &n, &why);
	put_sig(sig, n);
	free(sig);
	assert_int_equal(
	    sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED, 1000, &err), -1);
	assert_non_null(strstr(err.msg, "another document"));
	assert_non_null(strstr(err.msg, "relay-eu.json"));

	/* A corrupt serial file reads as none (with a warning). */
	char path[128];
	snprintf(path, sizeof path, "%s/sig/relay.serial", test_dir);
	FILE *f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	assert_int_equal(sigsrc_last_serial(test_dir, "relay"), 0);

	sigsrc_free(s);
	conf_free(c);
	minisign_sk_wipe(&sk);
}

/* sig/relay.FILE's inode and mtime. */
static void
sig_id(const char *file, struct stat *sb)
{
	char path[128];
	snprintf(path, sizeof path, "%s/sig/relay.%s", test_dir, file);
	assert_int_equal(stat(path, sb), 0);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* stderr into a file around a check: what log_debug said. */
static char *
check_logged(struct sigsrc *s, const char *body, time_t now, int want_rc, struct err *err)
{
	char path[128];
	size_t len;
	int fd, saved;

	snprintf(path, sizeof path, "%s/stderr", test_dir);
	fflush(stderr);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	int rc = sigsrc_check(s, NULL, test_dir, "relay", body, strlen(body), NULL, SIGSRC_STORED,
			      now, err);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	assert_int_equal(rc, want_rc);
	return test_slurp(path, &len);
}

/* The verification record: an unchanged (key, signature, document) is
 * not verified again, and writes nothing; any other body, signature or
 * key is verified in full; serial and expiry rules apply either way. */
static void
test_verified_record(void **state)
{
	(void)state;
	struct minisign_pk pk, pk2;
	struct minisign_sk sk, sk2;
	char pub[MINISIGN_PK_B64_MAX], extra[128];
	struct err err, cerr;
	struct sigsrc *s, *s2;
	struct stat a[3], b[3];
	const char *body = "{\"prefixes\": [], \"ipv6_prefixes\": []}\n";
	const char *forged = "{\"prefixes\": [{\"ip_prefix\": \"0.0.0.0/1\"}], \"ipv6_prefixes\": []}\n";
	const char *files[] = {"minisig", "serial", "verified"};
	char *logged;
	size_t n;

	log_set_level(LOG_LVL_DEBUG);
	assert_int_equal(minisign_generate(&pk, &sk), 0);
	assert_int_equal(minisign_generate(&pk2, &sk2), 0);
	minisign_pk_b64(&pk, pub);
	snprintf(extra, sizeof extra, "pubkey = %s\n", pub);
	struct conf *c = load(extra, &cerr);
	assert_non_null(c);
	assert_int_equal(sigsrc_configure("relay", c->sources[0]->sec,
					  "https://example.com/relay.json", &s, &cerr), 0);
	minisign_pk_b64(&pk2, pub);
	snprintf(extra, sizeof extra, "pubkey = %s\n", pub);
	struct conf *c2 = load(extra, &cerr);
	assert_non_null(c2);
	assert_int_equal(sigsrc_configure("relay", c2->sources[0]->sec,
					  "https://example.com/relay.json", &s2, &cerr), 0);

	char *sig = sign(&sk, body, 50, 5000, &n);
	put_sig(sig, n);
	free(sig);
	logged = check_logged(s, body, 1000, 0, &err);
	assert_non_null(strstr(logged, "signature verified (serial 50)"));
	free(logged);
	assert_int_equal(sigsrc_commit(s, test_dir, "relay", &err), 0);
	for (size_t i = 0; i < 3; i++)
		sig_id(files[i], &a[i]);

	/* The same again: the record vouches, nothing is written. */
	logged = check_logged(s, body, 2000, 0, &err);
	assert_non_null(strstr(logged, "signature verified before (serial 50)"));
	free(logged);
	assert_int_equal(sigsrc_commit(s, test_dir, "relay", &err), 0);
	for (size_t i = 0; i < 3; i++) {
		sig_id(files[i], &b[i]);
		if (!same_file(&a[i], &b[i]))
			fail_msg("sig/relay.%s rewritten by an unchanged check", files[i]);
	}
	/* Another body with the same signature: verified in full, refused. */
	logged = check_logged(s, forged, 2000, -1, &err);
	assert_null(strstr(logged, "verified before"));
	free(logged);
	assert_non_null(strstr(err.msg, "bad signature"));
	/* Another key: the record is not its own. */
	logged = check_logged(s2, body, 2000, -1, &err);
	free(logged);
	assert_non_null(strstr(err.msg, "another key"));
	/* The record spares the work, not the rules: expiry still applies. */
	logged = check_logged(s, body, 5000, -1, &err);
	free(logged);
	assert_non_null(strstr(err.msg, "expired"));
	/* And a later accepted serial makes it a rollback. */
	char path[128];
	snprintf(path, sizeof path, "%s/sig/relay.serial", test_dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("allowsync-state 1 serial\n51\n", f);
	fclose(f);
	logged = check_logged(s, body, 2000, -1, &err);
	free(logged);
	assert_non_null(strstr(err.msg, "rollback"));
	/* A corrupt record reads as none: verified in full, and rewritten. */
	unlink(path);
	snprintf(path, sizeof path, "%s/sig/relay.verified", test_dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("allowsync-state 1 verified\nsig zz\n", f);
	fclose(f);
	logged = check_logged(s, body, 2000, 0, &err);
	assert_non_null(strstr(logged, "signature verified (serial 50)"));
	free(logged);
	assert_int_equal(sigsrc_commit(s, test_dir, "relay", &err), 0);
	logged = check_logged(s, body, 2000, 0, &err);
	assert_non_null(strstr(logged, "verified before"));
	free(logged);

	log_set_level(LOG_LVL_WARN);
	sigsrc_free(s);
	sigsrc_free(s2);
	conf_free(c);
	conf_free(c2);
	minisign_sk_wipe(&sk);
	minisign_sk_wipe(&sk2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_keys, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_stored_signature, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_verified_record, test_dir_setup, test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
