/* maillog — the rejections in a Postfix log: one pass over plain or
 * gzip'd files (zlib reads both), one record per refusal.
 *
 * Line forms: syslog ("Dec  4 19:58:18 host postfix/smtpd[12]: MSG"),
 * `journalctl -o short` (the same, day zero-padded), an RFC 3339 stamp
 * ("2026-12-04T19:58:18.123+00:00 host TAG: MSG", rsyslog and
 * `journalctl -o short-iso`) and `journalctl -o cat` (MSG alone).  The
 * messages counted (Postfix 3.7; smtpd and postscreen, any syslog_name):
 *
 *   QUEUEID|NOQUEUE: reject: VERB from NAME[ADDR]: CODE TEXT; from=<S> to=<R> …
 *   NOQUEUE: reject: RCPT from [ADDR]:PORT: CODE TEXT; from=<S>, to=<R>, …  (postscreen)
 *   PREGREET N after T from [ADDR]:PORT: …                                   (postscreen)
 *   DNSBL rank N for [ADDR]:PORT                                             (postscreen)
 *
 * Each line gets prefix tests, never a regular expression: a line
 * whose tag is not smtpd's or postscreen's is skipped after a few bytes.
 * Times are kept as written (no zone): seconds since 1970 of the
 * stamp's own wall clock; a syslog stamp has no year, so it takes the
 * year that puts it at most a day after `now` (a log rotated last
 * December reads as last year's).
 */
#ifndef ALLOWSYNC_MAILLOG_H
#define ALLOWSYNC_MAILLOG_H

#include "err.h"
#include "pfx.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Why the client was refused, from the text after the SMTP code. */
enum maillog_reason {
	MAILLOG_RELAY,     /* Relay access denied */
	MAILLOG_RBL,       /* … blocked using LIST */
	MAILLOG_CLIENT,    /* Client host rejected */
	MAILLOG_HELO,      /* Helo command rejected */
	MAILLOG_SENDER,    /* Sender address rejected */
	MAILLOG_RECIPIENT, /* Recipient address rejected */
	MAILLOG_PREGREET,  /* postscreen: talked before its turn */
	MAILLOG_DNSBL,     /* postscreen: DNSBL rank over the threshold */
	MAILLOG_OTHER,     /* any other reject text */
	MAILLOG_N_REASONS
};

/* "relay", "rbl", "client", "helo", "sender", "recipient", "pregreet",
 * "dnsbl", "other". */
const char *maillog_reason_name(enum maillog_reason r);

/* Seconds as written, for a stamp-less line (-o cat). */
#define MAILLOG_NO_TIME INT64_MIN

struct maillog_rec {
	enum pfx_family fam;
	u128 addr;
	enum maillog_reason reason;
	int code;           /* 450, 550, 554…; 0 for PREGREET and DNSBL rank */
	bool postscreen;
	int64_t when;       /* as written, or MAILLOG_NO_TIME */
	const char *domain; /* envelope sender's domain, in the line; NULL: none or <> */
	size_t domain_len;
};

enum maillog_kind {
	MAILLOG_REJECT,       /* rec filled */
	MAILLOG_SKIP,         /* a log line of another kind */
	MAILLOG_UNRECOGNISED, /* not a log line, or a rejection cut short */
};

/* What a syslog stamp's year is guessed from: `now`'s wall clock. */
struct maillog_clock {
	int year;
	int64_t now; /* as written: local wall clock, seconds */
};
void maillog_clock_init(struct maillog_clock *clk, time_t now);

/* One line, without its newline. */
enum maillog_kind maillog_parse_line(const char *s, size_t n, const struct maillog_clock *clk,
				     struct maillog_rec *rec);

struct maillog_stats {
	uint64_t bytes;        /* uncompressed */
	uint64_t lines;
	uint64_t rejections;
	uint64_t skipped;
	uint64_t unrecognised; /* also lines longer than MAILLOG_LINE_MAX */
};

#define MAILLOG_LINE_MAX (64 * 1024)

/* Called for each rejection; non-zero stops the read (and is returned). */
typedef int (*maillog_fn)(void *ctx, const struct maillog_rec *rec);

/* Read `path` ("-" or NULL: standard input), plain or gzip'd, adding
 * to *st.  0, the callback's non-zero value, or -1 with err
 * ("FILE: reason"). */
int maillog_read(const char *path, const struct maillog_clock *clk, maillog_fn fn, void *ctx,
		 struct maillog_stats *st, struct err *err);

/* "2026-12-04 19:58:18" (sep ' ') or "2026-12-04T19:58:18" (sep 'T');
 * buf of MAILLOG_TIME_MAX bytes. */
#define MAILLOG_TIME_MAX 32
char *maillog_format_time(int64_t when, char sep, char *buf);

#endif
