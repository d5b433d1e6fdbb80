/* minisign — Ed25519 keys and signatures in minisign's file formats.
 *
 * Compatible with minisign 0.11 both ways: keys made by `minisign -G -W`
 * load here, and `minisign -V` accepts what minisign_sign writes.
 *
 *   public key file   "untrusted comment: …\n" base64("Ed" keynum[8] pk[32]) "\n"
 *   secret key file   "untrusted comment: …\n" base64("Ed" kdf[2] "B2" salt[32]
 *                     opslimit[8] memlimit[8] keynum[8] sk[64] chk[32]) "\n"
 *                     — only unencrypted keys (kdf "\0\0") are supported;
 *                     chk = BLAKE2b-256("Ed" keynum sk), all zero as minisign
 *                     -W leaves it is accepted too.
 *   signature         "untrusted comment: …\n" base64(alg[2] keynum[8] sig[64]) "\n"
 *                     "trusted comment: TEXT\n" base64(global_sig[64]) "\n"
 *                     alg "Ed" signs the message, "ED" its BLAKE2b-512 hash;
 *                     global_sig signs sig[64] || TEXT.
 *
 * Parsers return a reason string (static, never NULL on failure); the
 * file loaders, the signer and the verifier fill err (the loaders' messages
 * carry the path and errno).
 */
#ifndef ALLOWSYNC_MINISIGN_H
#define ALLOWSYNC_MINISIGN_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINISIGN_KEYNUM_BYTES 8
#define MINISIGN_PK_BYTES 32
#define MINISIGN_SK_BYTES 64
#define MINISIGN_SIG_BYTES 64
/* minisign's limit on a trusted comment line, prefix and NUL included. */
#define MINISIGN_TRUSTED_MAX 8192

struct minisign_pk {
	uint8_t keynum[MINISIGN_KEYNUM_BYTES];
	uint8_t pk[MINISIGN_PK_BYTES];
};

/* Holds secret material: release with minisign_sk_wipe. */
struct minisign_sk {
	uint8_t keynum[MINISIGN_KEYNUM_BYTES];
	uint8_t sk[MINISIGN_SK_BYTES]; /* seed || public key, as libsodium keeps it */
};

/* Why a verification failed, so callers can word each case. */
enum minisign_status {
	MINISIGN_OK = 0,
	MINISIGN_MALFORMED,      /* not a minisign signature (or public key) */
	MINISIGN_UNSUPPORTED,    /* an algorithm other than Ed / ED */
	MINISIGN_WRONG_KEY,      /* signed by a key with another key id */
	MINISIGN_BAD_SIG,        /* the message does not match the signature */
	MINISIGN_BAD_GLOBAL_SIG, /* the trusted comment was altered */
};

/* "3CD0C6E5E4030098": a key id as minisign prints it (17 bytes with NUL). */
void minisign_keyid_str(const uint8_t keynum[MINISIGN_KEYNUM_BYTES], char buf[17]);

/* The bare base64 public key ("RW…", 56 characters, with its NUL). */
#define MINISIGN_PK_B64_MAX 57
void minisign_pk_b64(const struct minisign_pk *pk, char buf[MINISIGN_PK_B64_MAX]);

/* A public key from the bare base64 string or from the text of a public
 * key file (comment line, then the base64 line).  NULL on success. */
const char *minisign_pk_parse(const char *text, size_t len, struct minisign_pk *pk);

/* `spec` is the base64 string itself or the path of a public key file
 * (anything that does not parse as a key is taken as a path).  0, or -1
 * with a one-line message in err that does not repeat `spec` (the
 * caller names it): "neither a readable file nor a minisign public key
 * (as a file: WHY; as a key: WHY)", or "a readable file but not a
 * minisign public key: WHY". */
int minisign_pk_load(const char *spec, struct minisign_pk *pk, struct err *err);

/* The text of an unencrypted secret key file.  NULL on success. */
const char *minisign_sk_parse(const char *text, size_t len, struct minisign_sk *sk);

/* Read a secret key file; it must not be readable by group or others. */
int minisign_sk_load(const char *path, struct minisign_sk *sk, struct err *err);

/* Zero the secret key. */
void minisign_sk_wipe(struct minisign_sk *sk);

/* The public half of a secret key. */
void minisign_sk_public(const struct minisign_sk *sk, struct minisign_pk *pk);

/* A fresh key pair (random key id). */
int minisign_generate(struct minisign_pk *pk, struct minisign_sk *sk);

/* File texts (malloc'd, NUL-terminated) for a key pair. */
char *minisign_pk_file_text(const struct minisign_pk *pk);
char *minisign_sk_file_text(const struct minisign_sk *sk);

/* Generate a key pair and write both files; neither may exist yet (the
 * secret key is created 0600, the public key 0644).  On failure nothing
 * is left behind. */
int minisign_keygen_files(const char *pubfile, const char *secfile, struct minisign_pk *pk,
			  struct err *err);

/* Sign `msg`: prehashed (ED) unless `legacy`.  The comments are one line
 * each (no CR/LF; the trusted one shorter than MINISIGN_TRUSTED_MAX).
 * Returns the signature file text (malloc'd) and its length in *outlen,
 * or NULL with err set. */
char *minisign_sign(const struct minisign_sk *sk, const void *msg, size_t len, bool legacy,
		    const char *untrusted, const char *trusted, size_t *outlen, struct err *err);

/* Verify the signature file text `sig` over `msg` with `pk`, either
 * algorithm.  On MINISIGN_OK the trusted comment is copied to `trusted`
 * (truncated to `tlen`); err says why otherwise. */
enum minisign_status minisign_verify(const struct minisign_pk *pk, const void *msg, size_t len,
				     const char *sig, size_t siglen, char *trusted, size_t tlen,
				     struct err *err);

#endif
