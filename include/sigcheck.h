/* sigcheck — the signed-document rules shared by publisher and consumer.
 *
 * A published document is signed with minisign (see minisign.h).  Its
 * trusted comment — covered by the signature — carries tab-separated
 * `key:value` fields, minisign's own convention:
 *
 *   timestamp:1764280000<TAB>file:relay.json<TAB>serial:1764280000<TAB>expires:1764884800
 *
 * timestamp and expires are Unix times, serial a decimal that grows with
 * every publication.  Unknown fields are ignored (room to grow); serial
 * and expires are required once each.
 *
 * A consumer accepts a document only when the signature verifies, the
 * serial is not older than the last one it accepted (the same serial is
 * the same publication fetched again) and it has not expired.
 */
#ifndef ALLOWSYNC_SIGCHECK_H
#define ALLOWSYNC_SIGCHECK_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* What the trusted comment says. */
struct sigcheck_info {
	uint64_t serial;
	int64_t expires;   /* Unix time */
	int64_t timestamp; /* Unix time; 0 when absent */
	char file[256];    /* the document's name; "" when absent */
};

/* The trusted comment for a publication (file: the document's base name). */
int sigcheck_comment_format(char *buf, size_t n, int64_t timestamp, const char *file,
			    uint64_t serial, int64_t expires);

/* Parse a trusted comment.  NULL on success, else the reason. */
const char *sigcheck_comment_parse(const char *tc, struct sigcheck_info *info);

enum sigcheck_status {
	SIGCHECK_OK = 0,
	SIGCHECK_BAD_PUBKEY, /* the configured key itself is unusable */
	SIGCHECK_MALFORMED,  /* the signature file is not minisign's format */
	SIGCHECK_WRONG_KEY,  /* signed by another key */
	SIGCHECK_BAD_SIG,    /* body (or trusted comment) does not match */
	SIGCHECK_BAD_COMMENT, /* verified, but no serial/expires in it */
	SIGCHECK_ROLLBACK,   /* older than the last accepted publication */
	SIGCHECK_EXPIRED,    /* past its expiry */
};

/* Verify `body` against the signature file text `sig` with `pubkey` (the
 * base64 key or a key file path, as in `pubkey =`).  `last_serial` is
 * the serial last accepted (0: none yet).  On SIGCHECK_OK *info is
 * filled; otherwise `err` holds one line (without the source name) that
 * says which rule failed. */
enum sigcheck_status sigcheck_verify(const char *pubkey, const void *body, size_t len,
				     const char *sig, size_t siglen, uint64_t last_serial,
				     time_t now, struct sigcheck_info *info, struct err *err);

/* The rules on what a verified signature's trusted comment says (not
 * older than last_serial, not expired), for a signature verified before
 * (sigsrc's record): SIGCHECK_OK, ROLLBACK or EXPIRED with err. */
enum sigcheck_status sigcheck_rules(const struct sigcheck_info *info, uint64_t last_serial,
				    time_t now, struct err *err);

/* A signature names the document it was made for (`file:`): one key
 * signing several publications must not let one pass for another.
 * NULL when `url`'s last path segment is that name (or the comment
 * names none), else the reason. */
const char *sigcheck_file_check(const struct sigcheck_info *info, const char *url);

/* "2026-11-27 21:40:48 UTC" */
void sigcheck_time_str(int64_t t, char buf[32]);

#endif
