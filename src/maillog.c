/* maillog — read Postfix rejections from a log (see maillog.h). */
#include "maillog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static const char *const reason_names[MAILLOG_N_REASONS] = {
	[MAILLOG_RELAY] = "relay",	   [MAILLOG_RBL] = "rbl",
	[MAILLOG_CLIENT] = "client",	   [MAILLOG_HELO] = "helo",
	[MAILLOG_SENDER] = "sender",	   [MAILLOG_RECIPIENT] = "recipient",
	[MAILLOG_PREGREET] = "pregreet", [MAILLOG_DNSBL] = "dnsbl",
	[MAILLOG_OTHER] = "other",
};

const char *
maillog_reason_name(enum maillog_reason r)
{
	return r < MAILLOG_N_REASONS ? reason_names[r] : "other";
}

/* ------------------------------------------------------------------ time */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): no time zone, no library call per line. */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
civil_seconds(int64_t y, int mon, int d, int hh, int mm, int ss)
{
	return days_from_civil(y, mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

void
maillog_clock_init(struct maillog_clock *clk, time_t now)
{
	struct tm tm;

	localtime_r(&now, &tm);
	clk->year = tm.tm_year + 1900;
	clk->now = civil_seconds(clk->year, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
				 tm.tm_sec);
}

char *
maillog_format_time(int64_t when, char sep, char *buf)
{
	int64_t days = when / 86400, secs = when % 86400;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days, the inverse of the above. */
	days += 719468;
	int64_t era = (days >= 0 ? days : days - 146096) / 146097;
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(buf, MAILLOG_TIME_MAX, "%04lld-%02d-%02d%c%02d:%02d:%02d", (long long)y, m, d, sep,
		 (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return buf;
}

static bool
digits(const char *s, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

/* "HH:MM:SS" at s (8 bytes available). */
static bool
clock_time(const char *s, int *hh, int *mm, int *ss)
{
	return digits(s, 2, hh) && s[2] == ':' && digits(s + 3, 2, mm) && s[5] == ':' &&
	       digits(s + 6, 2, ss) && *hh < 24 && *mm < 60 && *ss < 61;
}

static int
month_of(const char *s)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(s, names + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* "Dec  4 19:58:18 " or "Dec 04 19:58:18 ": the length (16), or 0. */
static size_t
syslog_stamp(const char *s, size_t n, const struct maillog_clock *clk, int64_t *when)
{
	int mon, day, hh, mm, ss;

	if (n < 16 || s[3] != ' ' || s[6] != ' ' || s[15] != ' ' || !(mon = month_of(s)))
		return 0;
	if (s[4] == ' ' ? !digits(s + 5, 1, &day) : !digits(s + 4, 2, &day))
		return 0;
	if (day < 1 || day > 31 || !clock_time(s + 7, &hh, &mm, &ss))
		return 0;
	*when = civil_seconds(clk->year, mon, day, hh, mm, ss);
	/* No year in the stamp: the latest one not more than a day ahead. */
	if (*when > clk->now + 86400)
		*when = civil_seconds(clk->year - 1, mon, day, hh, mm, ss);
	return 16;
}

/* "2026-12-04T19:58:18[.frac][zone] ": the length, or 0. */
static size_t
iso_stamp(const char *s, size_t n, int64_t *when)
{
	int y, mon, day, hh, mm, ss;

	if (n < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' '))
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mon) || !digits(s + 8, 2, &day) ||
	    mon < 1 || mon > 12 || day < 1 || day > 31 || !clock_time(s + 11, &hh, &mm, &ss))
		return 0;
	const char *sp = memchr(s + 19, ' ', n - 19);
	if (!sp)
		return 0;
	*when = civil_seconds(y, mon, day, hh, mm, ss);
	return (size_t)(sp - s) + 1;
}

/* --------------------------------------------------------------- messages */

#define LIT(s) s, sizeof s - 1

static bool
has_prefix(const char *s, const char *end, const char *p, size_t n)
{
	return (size_t)(end - s) >= n && memcmp(s, p, n) == 0;
}

static bool
contains(const char *s, const char *end, const char *p, size_t n)
{
	return memmem(s, (size_t)(end - s), p, n) != NULL;
}

/* "[ADDR]" at *p: the address, *p past ']'. */
static bool
bracket_addr(const char **p, const char *end, struct maillog_rec *rec)
{
	const char *s = *p, *close;
	struct err err;

	if (s >= end || *s != '[' || !(close = memchr(s, ']', (size_t)(end - s))))
		return false;
	if (!pfx_parse_addr(s + 1, (size_t)(close - s - 1), &rec->fam, &rec->addr, &err))
		return false;
	*p = close + 1;
	return true;
}

/* ":PORT" after a postscreen client's address. */
static bool
skip_port(const char **p, const char *end)
{
	const char *s = *p + 1;

	if (*p >= end || **p != ':')
		return false;
	while (s < end && *s >= '0' && *s <= '9')
		s++;
	if (s == *p + 1)
		return false;
	*p = s;
	return true;
}

static enum maillog_reason
reason_of(const char *s, const char *end)
{
	/* RBL first: smtpd says "Client host [a] blocked using …". */
	if (contains(s, end, LIT("blocked using ")))
		return MAILLOG_RBL;
	if (contains(s, end, LIT("Relay access denied")))
		return MAILLOG_RELAY;
	if (contains(s, end, LIT("Client host rejected")))
		return MAILLOG_CLIENT;
	if (contains(s, end, LIT("Helo command rejected")))
		return MAILLOG_HELO;
	if (contains(s, end, LIT("Sender address rejected")))
		return MAILLOG_SENDER;
	if (contains(s, end, LIT("Recipient address rejected")))
		return MAILLOG_RECIPIENT;
	return MAILLOG_OTHER;
}

/* "; from=<LOCAL@DOMAIN>": the domain (none for <>). */
static void
sender_of(const char *s, const char *end, struct maillog_rec *rec)
{
	const char *f = memmem(s, (size_t)(end - s), LIT("; from=<"));

	if (!f)
		return;
	f += sizeof "; from=<" - 1;
	const char *gt = memchr(f, '>', (size_t)(end - f));
	if (!gt)
		return;
	const char *at = memrchr(f, '@', (size_t)(gt - f));
	if (at && gt > at + 1) {
		rec->domain = at + 1;
		rec->domain_len = (size_t)(gt - at - 1);
	}
}

/* After "reject: ": "VERB from NAME[ADDR]: CODE TEXT" (smtpd) or
 * "VERB from [ADDR]:PORT: CODE TEXT" (postscreen). */
static enum maillog_kind
reject(const char *p, const char *end, struct maillog_rec *rec)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	int code;

	if (!sp || !has_prefix(sp, end, LIT(" from ")))
		return MAILLOG_UNRECOGNISED;
	p = sp + 6;
	/* NAME may be anything a PTR record says but '[': the client is
	 * the bracket that a ": " follows (or ":PORT: "). */
	const char *br = memchr(p, '[', (size_t)(end - p));
	if (!br)
		return MAILLOG_UNRECOGNISED;
	rec->postscreen = br == p;
	p = br;
	if (!bracket_addr(&p, end, rec))
		return MAILLOG_UNRECOGNISED;
	if (rec->postscreen && !skip_port(&p, end))
		return MAILLOG_UNRECOGNISED;
	if (!has_prefix(p, end, LIT(": ")) || end - p < 6 || !digits(p + 2, 3, &code) ||
	    p[5] != ' ' || code < 400 || code > 599)
		return MAILLOG_UNRECOGNISED;
	rec->code = code;
	p += 6;
	const char *semi = memmem(p, (size_t)(end - p), LIT("; from=<"));
	rec->reason = reason_of(p, semi ? semi : end);
	sender_of(p, end, rec);
	return MAILLOG_REJECT;
}

/* A postscreen verdict: "PREGREET 11 after 0.09 from [ADDR]:PORT: …"
 * (before " from [") or "DNSBL rank 3 for [ADDR]:PORT" (" for ["). */
static enum maillog_kind
verdict(const char *p, const char *end, const char *before, size_t n, enum maillog_reason reason,
	struct maillog_rec *rec)
{
	const char *f = memmem(p, (size_t)(end - p), before, n);

	if (!f)
		return MAILLOG_UNRECOGNISED;
	p = f + n - 1;
	if (!bracket_addr(&p, end, rec))
		return MAILLOG_UNRECOGNISED;
	rec->reason = reason;
	rec->postscreen = true;
	return MAILLOG_REJECT;
}

/* A queue id ("NOQUEUE", "4Xyz12abc") and ": reject: ": past it, or NULL. */
static const char *
reject_lead(const char *p, const char *end)
{
	if (has_prefix(p, end, LIT("NOQUEUE: reject: ")))
		return p + sizeof "NOQUEUE: reject: " - 1;
	const char *q = p;
	while (q < end && q - p < 20 &&
	       ((*q >= '0' && *q <= '9') || (*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z')))
		q++;
	if (q > p && has_prefix(q, end, LIT(": reject: ")))
		return q + sizeof ": reject: " - 1;
	return NULL;
}

static enum maillog_kind
message(const char *p, const char *end, struct maillog_rec *rec)
{
	const char *r;

	if ((r = reject_lead(p, end)))
		return reject(r, end, rec);
	if (has_prefix(p, end, LIT("PREGREET ")))
		return verdict(p, end, LIT(" from ["), MAILLOG_PREGREET, rec);
	if (has_prefix(p, end, LIT("DNSBL rank ")))
		return verdict(p, end, LIT(" for ["), MAILLOG_DNSBL, rec);
	return MAILLOG_SKIP;
}

/* "postfix/smtpd[123]: " or "postfix-out/postscreen[9]: " at p: past
 * it with *ours telling smtpd or postscreen; NULL for no tag at all. */
static const char *
tag(const char *p, const char *end, bool *ours)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));

	if (!colon || colon + 1 >= end || colon[1] != ' ')
		return NULL;
	const char *name_end = colon;
	if (name_end > p && name_end[-1] == ']') {
		const char *b = memrchr(p, '[', (size_t)(name_end - p));
		if (!b)
			return NULL;
		name_end = b;
	}
	size_t n = (size_t)(name_end - p);
	*ours = (n >= 5 && memcmp(name_end - 5, "smtpd", 5) == 0 &&
		 (n == 5 || name_end[-6] == '/')) ||
		(n >= 10 && memcmp(name_end - 10, "postscreen", 10) == 0 &&
		 (n == 10 || name_end[-11] == '/'));
	return colon + 2;
}

enum maillog_kind
maillog_parse_line(const char *s, size_t n, const struct maillog_clock *clk,
		   struct maillog_rec *rec)
{
	const char *end = s + n, *p;
	size_t stamp;
	bool ours;

	memset(rec, 0, sizeof *rec);
	rec->when = MAILLOG_NO_TIME;
	if (n && s[n - 1] == '\r')
		end--;
	if (n && s[0] >= '0' && s[0] <= '9')
		stamp = iso_stamp(s, n, &rec->when);
	else
		stamp = syslog_stamp(s, n, clk, &rec->when);
	if (!stamp) {
		/* journalctl -o cat: the message alone. */
		enum maillog_kind k = message(s, end, rec);
		if (k != MAILLOG_SKIP)
			return k;
		for (p = s; p < end; p++)
			if ((unsigned char)*p < ' ' && *p != '\t')
				return MAILLOG_UNRECOGNISED;
		return n ? MAILLOG_SKIP : MAILLOG_UNRECOGNISED;
	}
	p = s + stamp;
	const char *host_end = memchr(p, ' ', (size_t)(end - p));
	if (!host_end || host_end == p || !(p = tag(host_end + 1, end, &ours)))
		return MAILLOG_UNRECOGNISED;
	return ours ? message(p, end, rec) : MAILLOG_SKIP;
}

/* ------------------------------------------------------------------ reading */

#define READ_CHUNK (1u << 20)

static void
count(struct maillog_stats *st, enum maillog_kind k)
{
	st->lines++;
	if (k == MAILLOG_REJECT)
		st->rejections++;
	else if (k == MAILLOG_SKIP)
		st->skipped++;
	else
		st->unrecognised++;
}

/* Parse and count one line, and hand a rejection to fn: its value. */
static int
one_line(const char *s, size_t n, const struct maillog_clock *clk, maillog_fn fn, void *ctx,
	 struct maillog_stats *st)
{
	struct maillog_rec rec;
	enum maillog_kind k = maillog_parse_line(s, n, clk, &rec);

	count(st, k);
	return k == MAILLOG_REJECT && fn ? fn(ctx, &rec) : 0;
}

int
maillog_read(const char *path, const struct maillog_clock *clk, maillog_fn fn, void *ctx,
	     struct maillog_stats *st, struct err *err)
{
	bool in = !path || strcmp(path, "-") == 0;
	const char *name = in ? "standard input" : path;
	/* A line longer than MAILLOG_LINE_MAX counts as one unrecognised
	 * line; what of it is past the buffer is dropped (`skipping`). */
	size_t cap = READ_CHUNK + MAILLOG_LINE_MAX, have = 0;
	bool skipping = false;
	char *buf = malloc(cap);
	int fd = in ? dup(0) : open(path, O_RDONLY | O_CLOEXEC);
	gzFile gz = NULL;
	int rc = -1;

	if (!buf) {
		err_set(err, "%s: out of memory", name);
		goto out;
	}
	if (fd < 0) {
		err_errno(err, errno, "%s", name);
		goto out;
	}
	if (!(gz = gzdopen(fd, "rb"))) {
		close(fd);
		err_set(err, "%s: out of memory", name);
		goto out;
	}
	gzbuffer(gz, 256 * 1024);
	for (;;) {
		int got = gzread(gz, buf + have, (unsigned)(cap - have));
		if (got < 0) {
			int zerr;
			const char *msg = gzerror(gz, &zerr);
			if (zerr == Z_ERRNO)
				err_errno(err, errno, "%s: read", name);
			else
				err_set(err, "%s: gzip: %s", name, msg);
			goto out;
		}
		st->bytes += (uint64_t)got;
		have += (size_t)got;
		if (got == 0 && have == 0)
			break;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (skipping) {
				skipping = false;
			} else if (nl - p > MAILLOG_LINE_MAX) {
				count(st, MAILLOG_UNRECOGNISED);
			} else if ((rc = one_line(p, (size_t)(nl - p), clk, fn, ctx, st)) != 0) {
				goto out;
			}
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (got == 0) {
			/* The last line, without its newline (a log cut while written). */
			if (!skipping && (rc = one_line(p, have, clk, fn, ctx, st)) != 0)
				goto out;
			break;
		}
		if (have >= MAILLOG_LINE_MAX) {
			if (!skipping)
				count(st, MAILLOG_UNRECOGNISED);
			skipping = true;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	rc = 0;
out:
	if (gz && gzclose(gz) != Z_OK && rc == 0)
		rc = err_set(err, "%s: read error (a gzip stream cut short?)", name);
	free(buf);
	return rc;
}
