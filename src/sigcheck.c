/* sigcheck — trusted comments and the consumer's acceptance rules. */
#include "sigcheck.h"

#include "minisign.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
sigcheck_time_str(int64_t t, char buf[32])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(buf, 32, "@%" PRId64, t);
}

int
sigcheck_comment_format(char *buf, size_t n, int64_t timestamp, const char *file,
			uint64_t serial, int64_t expires)
{
	/* A file name with blanks would split into two fields. */
	for (const char *p = file; *p; p++)
		if (*p == '\t' || *p == ' ' || *p == '\n' || *p == '\r')
			return -1;
	int r = snprintf(buf, n, "timestamp:%" PRId64 "\tfile:%s\tserial:%" PRIu64 "\texpires:%" PRId64,
			 timestamp, file, serial, expires);
	return r < 0 || (size_t)r >= n ? -1 : 0;
}

static bool
parse_u64(const char *s, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	if (n == 0 || n > 20)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool
parse_time(const char *s, size_t n, int64_t *t)
{
	uint64_t v;
	if (!parse_u64(s, n, &v) || v > (uint64_t)INT64_MAX)
		return false;
	*t = (int64_t)v;
	return true;
}

const char *
sigcheck_comment_parse(const char *tc, struct sigcheck_info *info)
{
	bool have_serial = false, have_expires = false, have_ts = false;
	const char *p = tc;

	memset(info, 0, sizeof *info);
	while (*p) {
		while (*p == '\t' || *p == ' ')
			p++;
		if (!*p)
			break;
		const char *f = p;
		while (*p && *p != '\t' && *p != ' ')
			p++;
		size_t fn = (size_t)(p - f);
		const char *colon = memchr(f, ':', fn);
		if (!colon)
			continue; /* a bare word, e.g. minisign's "hashed" */
		size_t kn = (size_t)(colon - f);
		const char *v = colon + 1;
		size_t vn = fn - kn - 1;
		if (kn == 6 && memcmp(f, "serial", 6) == 0) {
			if (have_serial)
				return "trusted comment has serial twice";
			if (!parse_u64(v, vn, &info->serial) || info->serial == 0)
				return "trusted comment has a bad serial (a decimal above 0)";
			have_serial = true;
		} else if (kn == 7 && memcmp(f, "expires", 7) == 0) {
			if (have_expires)
				return "trusted comment has expires twice";
			if (!parse_time(v, vn, &info->expires))
				return "trusted comment has a bad expires (Unix time)";
			have_expires = true;
		} else if (kn == 4 && memcmp(f, "file", 4) == 0) {
			if (info->file[0])
				return "trusted comment has file twice";
			if (vn == 0 || vn >= sizeof info->file)
				return "trusted comment has a bad file name";
			memcpy(info->file, v, vn);
			info->file[vn] = '\0';
		} else if (kn == 9 && memcmp(f, "timestamp", 9) == 0) {
			if (have_ts)
				return "trusted comment has timestamp twice";
			if (!parse_time(v, vn, &info->timestamp))
				return "trusted comment has a bad timestamp (Unix time)";
			have_ts = true;
		}
	}
	if (!have_serial)
		return "trusted comment carries no serial (not an allowsync publication?)";
	if (!have_expires)
		return "trusted comment carries no expiry (not an allowsync publication?)";
	return NULL;
}

static void
ago_str(int64_t secs, char *buf, size_t n)
{
	if (secs >= 2 * 86400)
		snprintf(buf, n, "%" PRId64 "d", secs / 86400);
	else if (secs >= 2 * 3600)
		snprintf(buf, n, "%" PRId64 "h", secs / 3600);
	else if (secs >= 120)
		snprintf(buf, n, "%" PRId64 "m", secs / 60);
	else
		snprintf(buf, n, "%" PRId64 "s", secs);
}

enum sigcheck_status
sigcheck_verify(const char *pubkey, const void *body, size_t len, const char *sig, size_t siglen,
		uint64_t last_serial, time_t now, struct sigcheck_info *info, struct err *err)
{
	struct minisign_pk pk;
	char tc[MINISIGN_TRUSTED_MAX];
	const char *reason;

	if (minisign_pk_load(pubkey, &pk, err) < 0) {
		err_prefix(err, "pubkey = %.600s", pubkey);
		return SIGCHECK_BAD_PUBKEY;
	}
	switch (minisign_verify(&pk, body, len, sig, siglen, tc, sizeof tc, err)) {
	case MINISIGN_OK:
		break;
	case MINISIGN_WRONG_KEY: {
		char want[17];
		minisign_keyid_str(pk.keynum, want);
		err_set(err, "signature is from another key (expected key id %s)", want);
		return SIGCHECK_WRONG_KEY;
	}
	case MINISIGN_BAD_SIG:
		err_set(err, "bad signature: the document does not match it (tampered?)");
		return SIGCHECK_BAD_SIG;
	case MINISIGN_BAD_GLOBAL_SIG:
		err_set(err, "bad signature: the trusted comment was altered");
		return SIGCHECK_BAD_SIG;
	case MINISIGN_MALFORMED:
	case MINISIGN_UNSUPPORTED:
	default:
		err_prefix(err, "malformed signature");
		return SIGCHECK_MALFORMED;
	}
	reason = sigcheck_comment_parse(tc, info);
	if (reason) {
		err_set(err, "signature verified but %s", reason);
		return SIGCHECK_BAD_COMMENT;
	}
	return sigcheck_rules(info, last_serial, now, err);
}

enum sigcheck_status
sigcheck_rules(const struct sigcheck_info *info, uint64_t last_serial, time_t now,
	       struct err *err)
{
	if (info->serial < last_serial) {
		err_set(err,
			"rollback refused: signed serial %" PRIu64
			" is older than the last accepted %" PRIu64,
			info->serial, last_serial);
		return SIGCHECK_ROLLBACK;
	}
	if (info->expires <= (int64_t)now) {
		char when[32], ago[32];
		sigcheck_time_str(info->expires, when);
		ago_str((int64_t)now - info->expires, ago, sizeof ago);
		err_set(err, "expired document: serial %" PRIu64 " expired %s (%s ago)",
			info->serial, when, ago);
		return SIGCHECK_EXPIRED;
	}
	return SIGCHECK_OK;
}

const char *
sigcheck_file_check(const struct sigcheck_info *info, const char *url)
{
	if (!info->file[0])
		return NULL;
	/* The path's last segment, without query or fragment. */
	const char *p = strstr(url, "://");
	p = p ? p + 3 : url;
	const char *end = p + strcspn(p, "?#");
	const char *slash = NULL;
	for (const char *q = p; q < end; q++)
		if (*q == '/')
			slash = q;
	if (!slash)
		return "the signature names a file, the URL none";
	size_t n = (size_t)(end - slash - 1);
	if (strlen(info->file) != n || memcmp(info->file, slash + 1, n) != 0)
		return "the signature was made for another document (its trusted comment names "
		       "another file)";
	return NULL;
}
