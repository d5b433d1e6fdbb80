/* sigsrc — signature checking for a document source (`url` with pubkey).
 *
 * Keys (in the source's section):
 *   pubkey = RW…|FILE   minisign public key (the base64 string or a key
 *                       file); the document must carry its signature
 *   sig_url = https://… where the signature is (default: url + ".minisig")
 *
 * The source calls sigsrc_check on every body it is about to use —
 * downloaded, confirmed by a 304, or reused under `refresh` — before
 * parsing or caching it; the rules are sigcheck.h's (signature, not
 * older than the last accepted serial, not expired).  Only after the
 * body is safely cached does it call sigsrc_commit, which remembers the
 * serial and keeps the signature beside the cache so a cached body can
 * be checked again (for expiry) without asking the server:
 *
 *   STATE_DIR/sig/NAME.serial   "allowsync-state 1 serial\nN\n"
 *   STATE_DIR/sig/NAME.minisig  the signature of the cached body
 *   STATE_DIR/sig/NAME.verified "allowsync-state 1 verified\n" then
 *                               "sig D1\nchecked D2\netag E\n": D1 the
 *                               digest of NAME.minisig, E the ETag it was
 *                               served with (for a conditional request),
 *                               D2 a digest of the public key, D1 and the
 *                               digest of the document's exact bytes that
 *                               passed a full verification together
 *
 * A body whose (key, signature, document) matches D2 is not verified
 * again — only the rules on its trusted comment (serial, expiry) are
 * applied: a warm run of an unchanged 10k-prefix document then hashes it
 * once (the cache's own digest), not twice.  Nothing unverified can
 * match: D2 is computed over the bytes in hand and is written only after
 * those bytes passed.  A check that changes nothing writes nothing.
 */
#ifndef ALLOWSYNC_SIGSRC_H
#define ALLOWSYNC_SIGSRC_H

#include "err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct conf_section;
struct http_req;

/* For a source type's key list: { …, SIGSRC_KEYS, … }. */
#define SIGSRC_KEYS {"pubkey", 0}, {"sig_url", 0}

struct sigsrc;

/* Read pubkey/sig_url of source `name` whose document is at `url`.
 * 0 with *out (NULL when the section has no pubkey), or -1 with err. */
int sigsrc_configure(const char *name, const struct conf_section *sec, const char *url,
		     struct sigsrc **out, struct err *err);
void sigsrc_free(struct sigsrc *s);

/* Which signature vouches for a body. */
enum sigsrc_how {
	/* The one kept with the cache, no request (`refresh`). */
	SIGSRC_STORED,
	/* The kept one if it still does (the document was answered 304: no
	 * request at all), else fetched as SIGSRC_FETCH (it expired, or the
	 * publisher re-signed the same document). */
	SIGSRC_KEPT_FIRST,
	/* Fetched from sig_url (a new document): conditionally on the kept
	 * one's ETag; should that 304 not vouch for the body, once more
	 * unconditionally, so a stale kept copy costs a request, never a
	 * refusal of a good document. */
	SIGSRC_FETCH,
};

/* Check `body` against its signature (how: above), fetched with the
 * transport settings of `req` — its connection too (http_conn: the
 * document's).  `digest`: the hex BLAKE2b-256 of exactly body, or NULL
 * to have it computed.  0, or -1 with a one-line reason in err (without
 * the source name). */
int sigsrc_check(struct sigsrc *s, const struct http_req *req, const char *state_dir,
		 const char *name, const char *body, size_t len, const char *digest,
		 enum sigsrc_how how, time_t now, struct err *err);

/* Remember what the last successful sigsrc_check accepted.  0 or -1. */
int sigsrc_commit(struct sigsrc *s, const char *state_dir, const char *name, struct err *err);

/* The last accepted serial of source `name` (0: none or unreadable). */
uint64_t sigsrc_last_serial(const char *state_dir, const char *name);

#endif
