/* minisign — Ed25519 keys and signatures in minisign's formats (libsodium). */
#include "minisign.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define UNTRUSTED_PREFIX "untrusted comment: "
#define TRUSTED_PREFIX "trusted comment: "
#define ALG_PURE "Ed"
#define ALG_HASHED "ED"
#define CHK_ALG "B2"
#define CHK_BYTES 32
#define SALT_BYTES 32

/* Binary layouts, as byte offsets: minisign writes packed structs. */
#define PK_BIN (2 + MINISIGN_KEYNUM_BYTES + MINISIGN_PK_BYTES)
#define SIG_BIN (2 + MINISIGN_KEYNUM_BYTES + MINISIGN_SIG_BYTES)
#define SK_OFF_KDF 2
#define SK_OFF_CHKALG 4
#define SK_OFF_SALT 6
#define SK_OFF_OPS (SK_OFF_SALT + SALT_BYTES)
#define SK_OFF_MEM (SK_OFF_OPS + 8)
#define SK_OFF_KEYNUM (SK_OFF_MEM + 8)
#define SK_OFF_SK (SK_OFF_KEYNUM + MINISIGN_KEYNUM_BYTES)
#define SK_OFF_CHK (SK_OFF_SK + MINISIGN_SK_BYTES)
#define SK_BIN (SK_OFF_CHK + CHK_BYTES)

/* A key or signature file is a few lines; anything bigger is not one. */
#define KEYFILE_MAX 4096

static int
sodium_ready(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void
minisign_keyid_str(const uint8_t keynum[MINISIGN_KEYNUM_BYTES], char buf[17])
{
	/* minisign prints the key number as a little-endian 64-bit integer. */
	uint64_t v = 0;
	for (int i = MINISIGN_KEYNUM_BYTES - 1; i >= 0; i--)
		v = (v << 8) | keynum[i];
	snprintf(buf, 17, "%016" PRIX64, v);
}

/* The next line of [*p, end): its start and length without CR/LF. */
static bool
next_line(const char **p, const char *end, const char **line, size_t *n)
{
	if (*p >= end)
		return false;
	const char *s = *p;
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	const char *e = nl ? nl : end;
	*p = nl ? nl + 1 : end;
	while (e > s && (e[-1] == '\r' || e[-1] == '\n'))
		e--;
	*line = s;
	*n = (size_t)(e - s);
	return true;
}

static bool
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return false;
	return true;
}

static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

static bool
has_prefix(const char *s, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	return n >= pl && memcmp(s, prefix, pl) == 0;
}

/* Decode exactly `want` bytes of standard base64. */
static bool
b64_exact(const char *s, size_t n, uint8_t *out, size_t want)
{
	size_t got = 0;
	if (n == 0)
		return false;
	if (sodium_base642bin(out, want, s, n, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
		return false;
	return got == want;
}

static char *
b64_alloc(const uint8_t *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);
	if (s)
		sodium_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

void
minisign_pk_b64(const struct minisign_pk *pk, char buf[MINISIGN_PK_B64_MAX])
{
	uint8_t bin[PK_BIN];
	memcpy(bin, ALG_PURE, 2);
	memcpy(bin + 2, pk->keynum, MINISIGN_KEYNUM_BYTES);
	memcpy(bin + 2 + MINISIGN_KEYNUM_BYTES, pk->pk, MINISIGN_PK_BYTES);
	sodium_bin2base64(buf, MINISIGN_PK_B64_MAX, bin, sizeof bin, sodium_base64_VARIANT_ORIGINAL);
}

static const char *
pk_from_b64(const char *s, size_t n, struct minisign_pk *pk)
{
	uint8_t bin[PK_BIN];
	if (!b64_exact(s, n, bin, sizeof bin))
		return "not a minisign public key (bad base64 or length)";
	if (memcmp(bin, ALG_PURE, 2) != 0)
		return "unsupported public key algorithm (only Ed25519 \"Ed\")";
	memcpy(pk->keynum, bin + 2, MINISIGN_KEYNUM_BYTES);
	memcpy(pk->pk, bin + 2 + MINISIGN_KEYNUM_BYTES, MINISIGN_PK_BYTES);
	return NULL;
}

const char *
minisign_pk_parse(const char *text, size_t len, struct minisign_pk *pk)
{
	const char *p = text, *end = text + len, *line;
	size_t n;

	if (sodium_ready() < 0)
		return "libsodium failed to initialise";
	/* The first non-blank line is either the comment of a key file or
	 * the bare key (as `pubkey = RW…` gives it). */
	do {
		if (!next_line(&p, end, &line, &n))
			return "empty public key";
	} while (is_blank(line, n));
	trim(&line, &n);
	if (has_prefix(line, n, UNTRUSTED_PREFIX)) {
		do {
			if (!next_line(&p, end, &line, &n))
				return "public key file without a key line";
		} while (is_blank(line, n));
		trim(&line, &n);
	}
	const char *reason = pk_from_b64(line, n, pk);
	if (reason)
		return reason;
	while (next_line(&p, end, &line, &n))
		if (!is_blank(line, n))
			return "trailing text after the public key";
	return NULL;
}

/* Read a small file whole; NUL-terminated.  -1 with err filled. */
static int
slurp(const char *path, char **out, size_t *outlen, struct stat *st, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		err_errno(err, errno, "%s", path);
		return -1;
	}
	char *buf = NULL;
	size_t len = 0;
	if (fstat(fd, st) < 0) {
		err_errno(err, errno, "%s", path);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		err_set(err, "%s: not a regular file", path);
		goto fail;
	}
	buf = malloc(KEYFILE_MAX + 1);
	if (!buf) {
		err_set(err, "%s: out of memory", path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + len, KEYFILE_MAX + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_errno(err, errno, "%s", path);
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > KEYFILE_MAX) {
			err_set(err, "%s: too large for a key file", path);
			goto fail;
		}
	}
	buf[len] = '\0';
	close(fd);
	*out = buf;
	*outlen = len;
	return 0;
fail:
	if (buf) {
		sodium_memzero(buf, KEYFILE_MAX + 1);
		free(buf);
	}
	close(fd);
	return -1;
}

int
minisign_pk_load(const char *spec, struct minisign_pk *pk, struct err *err)
{
	size_t n = strlen(spec);
	const char *s = spec, *as_key;
	trim(&s, &n);
	if (n > 0 && (as_key = minisign_pk_parse(s, n, pk)) == NULL)
		return 0;
	if (n == 0)
		as_key = "empty";
	char *text;
	size_t len, k = strlen(spec);
	struct stat st;
	if (slurp(spec, &text, &len, &st, err) < 0) {
		/* Both readings failed: say so, and why each did (slurp's
		 * reason without the path, which the caller names). */
		const char *as_file = err->msg;
		if (strncmp(as_file, spec, k) == 0 && strncmp(as_file + k, ": ", 2) == 0)
			as_file += k + 2;
		err_set(err,
			"neither a readable file nor a minisign public key (as a file: %s; as a "
			"key: %s)",
			as_file, as_key);
		return -1;
	}
	const char *reason = minisign_pk_parse(text, len, pk);
	free(text);
	if (reason) {
		err_set(err, "a readable file but not a minisign public key: %s", reason);
		return -1;
	}
	return 0;
}

static void
sk_checksum(const uint8_t keynum[MINISIGN_KEYNUM_BYTES], const uint8_t sk[MINISIGN_SK_BYTES],
	    uint8_t chk[CHK_BYTES])
{
	crypto_generichash_state hs;
	crypto_generichash_init(&hs, NULL, 0, CHK_BYTES);
	crypto_generichash_update(&hs, (const uint8_t *)ALG_PURE, 2);
	crypto_generichash_update(&hs, keynum, MINISIGN_KEYNUM_BYTES);
	crypto_generichash_update(&hs, sk, MINISIGN_SK_BYTES);
	crypto_generichash_final(&hs, chk, CHK_BYTES);
	sodium_memzero(&hs, sizeof hs);
}

const char *
minisign_sk_parse(const char *text, size_t len, struct minisign_sk *sk)
{
	const char *p = text, *end = text + len, *line;
	size_t n;
	uint8_t bin[SK_BIN];
	const char *reason = NULL;

	if (sodium_ready() < 0)
		return "libsodium failed to initialise";
	/* minisign ignores the comment line's text; so do we. */
	if (!next_line(&p, end, &line, &n) || !has_prefix(line, n, UNTRUSTED_PREFIX))
		return "not a minisign secret key file (no \"untrusted comment:\" line)";
	if (!next_line(&p, end, &line, &n))
		return "secret key file without a key line";
	trim(&line, &n);
	if (!b64_exact(line, n, bin, sizeof bin)) {
		reason = "not a minisign secret key (bad base64 or length)";
		goto out;
	}
	if (memcmp(bin, ALG_PURE, 2) != 0) {
		reason = "unsupported secret key algorithm (only Ed25519 \"Ed\")";
		goto out;
	}
	if (memcmp(bin + SK_OFF_CHKALG, CHK_ALG, 2) != 0) {
		reason = "unsupported secret key checksum algorithm (only \"B2\")";
		goto out;
	}
	if (memcmp(bin + SK_OFF_KDF, "Sc", 2) == 0) {
		reason = "the secret key is password-protected; allowsync needs an unencrypted "
			 "key (minisign -C -W removes the password)";
		goto out;
	}
	if (bin[SK_OFF_KDF] != 0 || bin[SK_OFF_KDF + 1] != 0) {
		reason = "unsupported secret key derivation function";
		goto out;
	}
	uint8_t chk[CHK_BYTES], zero[CHK_BYTES] = {0};
	/* minisign -W leaves the checksum zero (it only serves to detect a
	 * wrong password); a non-zero one must match. */
	if (sodium_memcmp(bin + SK_OFF_CHK, zero, CHK_BYTES) != 0) {
		sk_checksum(bin + SK_OFF_KEYNUM, bin + SK_OFF_SK, chk);
		if (sodium_memcmp(chk, bin + SK_OFF_CHK, CHK_BYTES) != 0) {
			reason = "secret key checksum mismatch (damaged key file)";
			goto out;
		}
	}
	/* The public half stored in sk must be the one the seed makes, or
	 * every signature would fail to verify. */
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk2[crypto_sign_SECRETKEYBYTES];
	crypto_sign_seed_keypair(pk, sk2, bin + SK_OFF_SK);
	bool same = sodium_memcmp(sk2, bin + SK_OFF_SK, sizeof sk2) == 0;
	sodium_memzero(sk2, sizeof sk2);
	if (!same) {
		reason = "secret key is inconsistent (public half does not match the seed)";
		goto out;
	}
	memcpy(sk->keynum, bin + SK_OFF_KEYNUM, MINISIGN_KEYNUM_BYTES);
	memcpy(sk->sk, bin + SK_OFF_SK, MINISIGN_SK_BYTES);
	while (next_line(&p, end, &line, &n))
		if (!is_blank(line, n)) {
			reason = "trailing text after the secret key";
			minisign_sk_wipe(sk);
			break;
		}
out:
	sodium_memzero(bin, sizeof bin);
	return reason;
}

int
minisign_sk_load(const char *path, struct minisign_sk *sk, struct err *err)
{
	char *text;
	size_t len;
	struct stat st;
	if (slurp(path, &text, &len, &st, err) < 0)
		return -1;
	const char *reason = NULL;
	if (st.st_mode & 0077)
		reason = "secret key is accessible by group or others (chmod 600 it)";
	else
		reason = minisign_sk_parse(text, len, sk);
	sodium_memzero(text, len);
	free(text);
	if (reason) {
		err_set(err, "%s: %s", path, reason);
		return -1;
	}
	return 0;
}

void
minisign_sk_wipe(struct minisign_sk *sk)
{
	if (sk)
		sodium_memzero(sk, sizeof *sk);
}

void
minisign_sk_public(const struct minisign_sk *sk, struct minisign_pk *pk)
{
	memcpy(pk->keynum, sk->keynum, MINISIGN_KEYNUM_BYTES);
	/* libsodium's secret key is seed || public key. */
	memcpy(pk->pk, sk->sk + 32, MINISIGN_PK_BYTES);
}

int
minisign_generate(struct minisign_pk *pk, struct minisign_sk *sk)
{
	if (sodium_ready() < 0)
		return -1;
	if (crypto_sign_keypair(pk->pk, sk->sk) != 0)
		return -1;
	randombytes_buf(sk->keynum, MINISIGN_KEYNUM_BYTES);
	memcpy(pk->keynum, sk->keynum, MINISIGN_KEYNUM_BYTES);
	return 0;
}

char *
minisign_pk_file_text(const struct minisign_pk *pk)
{
	char id[17], b64[MINISIGN_PK_B64_MAX];
	minisign_keyid_str(pk->keynum, id);
	minisign_pk_b64(pk, b64);
	char *s = NULL;
	if (asprintf(&s, UNTRUSTED_PREFIX "minisign public key %s\n%s\n", id, b64) < 0)
		return NULL;
	return s;
}

char *
minisign_sk_file_text(const struct minisign_sk *sk)
{
	uint8_t bin[SK_BIN] = {0};
	memcpy(bin, ALG_PURE, 2);
	/* kdf "\0\0": unencrypted; salt and limits stay zero as with -W. */
	memcpy(bin + SK_OFF_CHKALG, CHK_ALG, 2);
	memcpy(bin + SK_OFF_KEYNUM, sk->keynum, MINISIGN_KEYNUM_BYTES);
	memcpy(bin + SK_OFF_SK, sk->sk, MINISIGN_SK_BYTES);
	sk_checksum(sk->keynum, sk->sk, bin + SK_OFF_CHK);
	char *b64 = b64_alloc(bin, sizeof bin);
	sodium_memzero(bin, sizeof bin);
	if (!b64)
		return NULL;
	char *s = NULL;
	int r = asprintf(&s, UNTRUSTED_PREFIX "minisign secret key (unencrypted)\n%s\n", b64);
	sodium_memzero(b64, strlen(b64));
	free(b64);
	return r < 0 ? NULL : s;
}

/* Write all of `s` to fd. */
static int
write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int
minisign_keygen_files(const char *pubfile, const char *secfile, struct minisign_pk *pk,
		      struct err *err)
{
	struct minisign_sk sk;
	char *pktext = NULL, *sktext = NULL;
	int pfd = -1, sfd = -1, ret = -1;
	bool made_p = false, made_s = false;

	if (strcmp(pubfile, secfile) == 0) {
		err_set(err, "keygen: public and secret key file are the same path");
		return -1;
	}
	if (minisign_generate(pk, &sk) < 0) {
		err_set(err, "keygen: libsodium failed to initialise");
		goto out;
	}
	pktext = minisign_pk_file_text(pk);
	sktext = minisign_sk_file_text(&sk);
	if (!pktext || !sktext) {
		err_set(err, "keygen: out of memory");
		goto out;
	}
	/* O_EXCL: an existing key is never overwritten, not even one that
	 * appears between a check and the write. */
	sfd = open(secfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sfd < 0) {
		err_set(err, "%s: %s", secfile,
			errno == EEXIST ? "already exists; not overwriting it" : strerror(errno));
		goto out;
	}
	made_s = true;
	pfd = open(pubfile, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (pfd < 0) {
		err_set(err, "%s: %s", pubfile,
			errno == EEXIST ? "already exists; not overwriting it" : strerror(errno));
		goto out;
	}
	made_p = true;
	/* umask may have widened nothing but could have narrowed the public
	 * key; the secret one must be 0600 whatever the umask. */
	if (fchmod(sfd, 0600) < 0 || write_all(sfd, sktext, strlen(sktext)) < 0 ||
	    fsync(sfd) < 0) {
		err_errno(err, errno, "%s", secfile);
		goto out;
	}
	if (write_all(pfd, pktext, strlen(pktext)) < 0 || fsync(pfd) < 0) {
		err_errno(err, errno, "%s", pubfile);
		goto out;
	}
	if (close(sfd) < 0) {
		sfd = -1;
		err_errno(err, errno, "%s", secfile);
		goto out;
	}
	sfd = -1;
	if (close(pfd) < 0) {
		pfd = -1;
		err_errno(err, errno, "%s", pubfile);
		goto out;
	}
	pfd = -1;
	ret = 0;
out:
	if (pfd >= 0)
		close(pfd);
	if (sfd >= 0)
		close(sfd);
	if (ret < 0 && made_p)
		unlink(pubfile);
	if (ret < 0 && made_s)
		unlink(secfile);
	if (sktext) {
		sodium_memzero(sktext, strlen(sktext));
		free(sktext);
	}
	free(pktext);
	minisign_sk_wipe(&sk);
	return ret;
}

static bool
one_line(const char *s)
{
	return strchr(s, '\n') == NULL && strchr(s, '\r') == NULL;
}

char *
minisign_sign(const struct minisign_sk *sk, const void *msg, size_t len, bool legacy,
	      const char *untrusted, const char *trusted, size_t *outlen, struct err *err)
{
	uint8_t sigbin[SIG_BIN], global[MINISIGN_SIG_BYTES], hash[crypto_generichash_BYTES_MAX];
	char *b64sig = NULL, *b64global = NULL, *text = NULL;
	uint8_t *sig_tc = NULL;
	size_t tclen = strlen(trusted);

	if (sodium_ready() < 0) {
		err_set(err, "libsodium failed to initialise");
		return NULL;
	}
	if (!one_line(untrusted) || !one_line(trusted)) {
		err_set(err, "a comment holds a line break");
		return NULL;
	}
	if (tclen + sizeof TRUSTED_PREFIX >= MINISIGN_TRUSTED_MAX) {
		err_set(err, "trusted comment too long");
		return NULL;
	}
	memcpy(sigbin, legacy ? ALG_PURE : ALG_HASHED, 2);
	memcpy(sigbin + 2, sk->keynum, MINISIGN_KEYNUM_BYTES);
	uint8_t *sig = sigbin + 2 + MINISIGN_KEYNUM_BYTES;
	if (legacy) {
		crypto_sign_detached(sig, NULL, msg, len, sk->sk);
	} else {
		crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
		crypto_sign_detached(sig, NULL, hash, sizeof hash, sk->sk);
	}
	sig_tc = malloc(MINISIGN_SIG_BYTES + tclen + 1);
	if (!sig_tc)
		goto oom;
	memcpy(sig_tc, sig, MINISIGN_SIG_BYTES);
	memcpy(sig_tc + MINISIGN_SIG_BYTES, trusted, tclen);
	crypto_sign_detached(global, NULL, sig_tc, MINISIGN_SIG_BYTES + tclen, sk->sk);
	b64sig = b64_alloc(sigbin, sizeof sigbin);
	b64global = b64_alloc(global, sizeof global);
	if (!b64sig || !b64global)
		goto oom;
	int n = asprintf(&text, UNTRUSTED_PREFIX "%s\n%s\n" TRUSTED_PREFIX "%s\n%s\n", untrusted,
			 b64sig, trusted, b64global);
	if (n < 0) {
		text = NULL;
		goto oom;
	}
	*outlen = (size_t)n;
	goto out;
oom:
	err_set(err, "out of memory");
out:
	free(sig_tc);
	free(b64sig);
	free(b64global);
	return text;
}

enum minisign_status
minisign_verify(const struct minisign_pk *pk, const void *msg, size_t len, const char *sig,
		size_t siglen, char *trusted, size_t tlen, struct err *err)
{
	const char *p = sig, *end = sig + siglen, *l1, *l2, *l3, *l4, *line;
	size_t n1, n2, n3, n4, n;
	uint8_t sigbin[SIG_BIN], global[MINISIGN_SIG_BYTES], hash[crypto_generichash_BYTES_MAX];
	enum minisign_status st;

	if (sodium_ready() < 0) {
		err_set(err, "libsodium failed to initialise");
		return MINISIGN_MALFORMED;
	}
	if (memchr(sig, '\0', siglen)) {
		err_set(err, "not a minisign signature (binary data)");
		return MINISIGN_MALFORMED;
	}
	if (!next_line(&p, end, &l1, &n1) || !has_prefix(l1, n1, UNTRUSTED_PREFIX)) {
		err_set(err, "not a minisign signature (no \"untrusted comment:\" line)");
		return MINISIGN_MALFORMED;
	}
	if (!next_line(&p, end, &l2, &n2) || !next_line(&p, end, &l3, &n3) ||
	    !next_line(&p, end, &l4, &n4)) {
		err_set(err, "truncated minisign signature");
		return MINISIGN_MALFORMED;
	}
	if (!has_prefix(l3, n3, TRUSTED_PREFIX)) {
		err_set(err, "not a minisign signature (no \"trusted comment:\" line)");
		return MINISIGN_MALFORMED;
	}
	while (next_line(&p, end, &line, &n))
		if (!is_blank(line, n)) {
			err_set(err, "trailing text after the minisign signature");
			return MINISIGN_MALFORMED;
		}
	trim(&l2, &n2);
	trim(&l4, &n4);
	if (!b64_exact(l2, n2, sigbin, sizeof sigbin) ||
	    !b64_exact(l4, n4, global, sizeof global)) {
		err_set(err, "malformed minisign signature (bad base64 or length)");
		return MINISIGN_MALFORMED;
	}
	bool hashed;
	if (memcmp(sigbin, ALG_HASHED, 2) == 0) {
		hashed = true;
	} else if (memcmp(sigbin, ALG_PURE, 2) == 0) {
		hashed = false;
	} else {
		err_set(err, "unsupported signature algorithm (only \"Ed\" and \"ED\")");
		return MINISIGN_UNSUPPORTED;
	}
	if (memcmp(sigbin + 2, pk->keynum, MINISIGN_KEYNUM_BYTES) != 0) {
		err_set(err, "signed by another key (key id differs)");
		return MINISIGN_WRONG_KEY;
	}
	const uint8_t *s = sigbin + 2 + MINISIGN_KEYNUM_BYTES;
	int bad;
	if (hashed) {
		crypto_generichash(hash, sizeof hash, msg, len, NULL, 0);
		bad = crypto_sign_verify_detached(s, hash, sizeof hash, pk->pk);
	} else {
		bad = crypto_sign_verify_detached(s, msg, len, pk->pk);
	}
	if (bad) {
		err_set(err, "signature does not match the document");
		return MINISIGN_BAD_SIG;
	}
	const char *tc = l3 + strlen(TRUSTED_PREFIX);
	size_t tcn = n3 - strlen(TRUSTED_PREFIX);
	uint8_t *sig_tc = malloc(MINISIGN_SIG_BYTES + tcn + 1);
	if (!sig_tc) {
		err_set(err, "out of memory");
		return MINISIGN_MALFORMED;
	}
	memcpy(sig_tc, s, MINISIGN_SIG_BYTES);
	memcpy(sig_tc + MINISIGN_SIG_BYTES, tc, tcn);
	bad = crypto_sign_verify_detached(global, sig_tc, MINISIGN_SIG_BYTES + tcn, pk->pk);
	free(sig_tc);
	if (bad) {
		err_set(err, "trusted comment signature does not match (comment altered)");
		return MINISIGN_BAD_GLOBAL_SIG;
	}
	st = MINISIGN_OK;
	if (trusted && tlen > 0) {
		size_t c = tcn < tlen - 1 ? tcn : tlen - 1;
		memcpy(trusted, tc, c);
		trusted[c] = '\0';
	}
	return st;
}
