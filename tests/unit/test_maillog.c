/* Unit tests: maillog — every reject form of Postfix 3.7 we read (the
 * captured log of a real Postfix and the typed forms, both in
 * tests/fixtures/maillog), the line forms (syslog, RFC 3339, journalctl
 * -o short and -o cat), what is skipped and what is unrecognised, the
 * guessed year of a syslog stamp, and reading plain, gzip'd, cut and
 * over-long input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testdir.h"
#include "testfiles.h"

#include "maillog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* 2026-12-04 12:00:00 as written (the fixtures' day). */
static struct maillog_clock clk = {.year = 2026};

static int
setup(void **state)
{
	clk.now = 1796342400 + 12 * 3600;
	return test_dir_setup(state);
}

/* The n-th line (1-based) of a fixture, without its newline. */
static char *
fixture_line(const char *name, int n, size_t *len)
{
	size_t all;
	char *text = test_slurp(test_fixture(name), &all), *p = text;

	for (int i = 1; i < n; i++) {
		p = memchr(p, '\n', all - (size_t)(p - text));
		assert_non_null(p);
		p++;
	}
	char *nl = memchr(p, '\n', all - (size_t)(p - text));
	assert_non_null(nl);
	*len = (size_t)(nl - p);
	char *line = malloc(*len + 1);
	assert_non_null(line);
	memcpy(line, p, *len);
	line[*len] = 0;
	free(text);
	return line;
}

struct want {
	int line;
	enum maillog_kind kind;
	enum maillog_reason reason;
	const char *addr;
	int code;
	const char *domain; /* NULL: none */
	const char *when;   /* NULL: no stamp */
	bool postscreen;
};

static void
check_line(const char *fixture, const struct want *w)
{
	size_t n;
	char *line = fixture_line(fixture, w->line, &n);
	struct maillog_rec rec;
	char buf[PFX_ADDR_MAX], t[MAILLOG_TIME_MAX];

	enum maillog_kind k = maillog_parse_line(line, n, &clk, &rec);
	if (k != w->kind)
		fail_msg("%s line %d: kind %d, wanted %d", fixture, w->line, k, w->kind);
	if (k == MAILLOG_REJECT) {
		pfx_format_addr(rec.fam, rec.addr, buf);
		assert_string_equal(buf, w->addr);
		assert_string_equal(maillog_reason_name(rec.reason), maillog_reason_name(w->reason));
		assert_int_equal(rec.code, w->code);
		assert_int_equal(rec.postscreen, w->postscreen);
		if (w->domain) {
			assert_non_null(rec.domain);
			assert_int_equal(rec.domain_len, strlen(w->domain));
			assert_memory_equal(rec.domain, w->domain, rec.domain_len);
		} else {
			assert_null(rec.domain);
		}
		if (w->when)
			assert_string_equal(maillog_format_time(rec.when, 'T', t), w->when);
		else
			assert_true(rec.when == MAILLOG_NO_TIME);
	}
	free(line);
}

#define REJ MAILLOG_REJECT
#define SKIP MAILLOG_SKIP
#define BAD MAILLOG_UNRECOGNISED

/* The log a real Postfix 3.7.11 wrote (postlogd, maillog_file). */
static void
test_captured(void **state)
{
	static const struct want w[] = {
		{1, SKIP, 0, NULL, 0, NULL, NULL, false},  /* postfix-script: starting */
		{3, SKIP, 0, NULL, 0, NULL, NULL, false},  /* connect from */
		{4, REJ, MAILLOG_RELAY, "127.0.0.11", 554, "shop.example", "2026-12-04T20:05:56", false},
		{5, SKIP, 0, NULL, 0, NULL, NULL, false},  /* disconnect */
		{13, REJ, MAILLOG_CLIENT, "127.0.0.13", 554, "blocked.example", "2026-12-04T20:05:56", false},
		{16, REJ, MAILLOG_HELO, "127.0.0.14", 504, "helo.example", "2026-12-04T20:05:56", false},
		{19, REJ, MAILLOG_SENDER, "127.0.0.21", 554, "spam.example", "2026-12-04T20:05:56", false},
		{22, REJ, MAILLOG_RELAY, "2001:db8:25::7", 554, "six.example", "2026-12-04T20:05:56", false},
		{26, REJ, MAILLOG_PREGREET, "127.0.0.31", 0, NULL, "2026-12-04T20:05:56", true},
		{30, REJ, MAILLOG_PREGREET, "127.0.0.31", 0, NULL, "2026-12-04T20:06:32", true},
		{31, REJ, MAILLOG_OTHER, "127.0.0.31", 550, "early.example", "2026-12-04T20:06:32", true},
		{32, SKIP, 0, NULL, 0, NULL, NULL, false}, /* DISCONNECT */
	};

	(void)state;
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		check_line("maillog/postfix-3.7-postlog.log", &w[i]);
}

static void
test_typed(void **state)
{
	static const struct want w[] = {
		{1, REJ, MAILLOG_RBL, "198.51.100.7", 554, "Shop.Example", "2026-12-04T09:01:02", false},
		/* RFC 3339 stamp: as written, its zone not applied */
		{2, REJ, MAILLOG_RELAY, "2001:db8:5::25", 554, "list.example", "2026-12-03T22:15:40", false},
		{3, REJ, MAILLOG_CLIENT, "203.0.113.9", 450, NULL, "2026-12-04T09:03:00", false},
		{4, REJ, MAILLOG_SENDER, "192.0.2.45", 550, "forged.example", "2026-12-04T09:04:00", false},
		{5, REJ, MAILLOG_HELO, "192.0.2.46", 504, "b.example", "2026-12-04T09:05:00", false},
		{6, REJ, MAILLOG_DNSBL, "192.0.2.77", 0, NULL, "2026-12-04T09:06:00", true},
		{7, REJ, MAILLOG_RBL, "192.0.2.77", 550, "bulk.example", "2026-12-04T09:06:01", true},
		{8, REJ, MAILLOG_PREGREET, "2001:db8:7::1", 0, NULL, "2026-12-04T09:07:00", true},
		{9, REJ, MAILLOG_RECIPIENT, "192.0.2.50", 550, "d.example", "2026-12-04T09:08:00", false},
		/* -o cat */
		{10, REJ, MAILLOG_RELAY, "198.51.100.8", 554, "shop.example", NULL, false},
		{11, REJ, MAILLOG_PREGREET, "192.0.2.78", 0, NULL, NULL, true},
		{12, REJ, MAILLOG_DNSBL, "2001:db8:7::2", 0, NULL, NULL, true},
		{13, REJ, MAILLOG_RELAY, "198.51.100.9", 554, "shop.example", "2026-12-04T09:09:00", false},
		{14, SKIP, 0, NULL, 0, NULL, NULL, false}, /* connect from */
		{15, SKIP, 0, NULL, 0, NULL, NULL, false}, /* NOQUEUE: warn */
		{16, SKIP, 0, NULL, 0, NULL, NULL, false}, /* qmgr */
		{17, SKIP, 0, NULL, 0, NULL, NULL, false}, /* smtp's, not smtpd's */
		{18, SKIP, 0, NULL, 0, NULL, NULL, false}, /* dovecot */
		{19, SKIP, 0, NULL, 0, NULL, NULL, false}, /* -o cat, another message */
		{20, BAD, 0, NULL, 0, NULL, NULL, false},  /* binary */
		{21, BAD, 0, NULL, 0, NULL, NULL, false},  /* cut inside the address */
		{22, BAD, 0, NULL, 0, NULL, NULL, false},  /* 300.1.2.3 */
		{23, BAD, 0, NULL, 0, NULL, NULL, false},  /* no SMTP code */
		{24, BAD, 0, NULL, 0, NULL, NULL, false},  /* stamp, host, no tag */
		{25, BAD, 0, NULL, 0, NULL, NULL, false},  /* empty */
		{26, SKIP, 0, NULL, 0, NULL, NULL, false}, /* text, not a stamp */
	};

	(void)state;
	for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
		check_line("maillog/typed-forms.log", &w[i]);
}

/* No year in a syslog stamp: the one that is not more than a day ahead. */
static void
test_year(void **state)
{
	struct maillog_clock jan = {.year = 2027, .now = 1798848000 /* 2027-01-02 */};
	struct maillog_rec rec;
	char t[MAILLOG_TIME_MAX];
	const char *dec = "Dec 31 23:59:59 mx postfix/postscreen[1]: DNSBL rank 2 for [192.0.2.1]:1";
	const char *jan2 = "Jan  2 23:00:00 mx postfix/postscreen[1]: DNSBL rank 2 for [192.0.2.1]:1";

	(void)state;
	assert_string_equal(maillog_format_time(jan.now, ' ', t), "2027-01-02 00:00:00");
	assert_int_equal(maillog_parse_line(dec, strlen(dec), &jan, &rec), REJ);
	assert_string_equal(maillog_format_time(rec.when, 'T', t), "2026-12-31T23:59:59");
	assert_int_equal(maillog_parse_line(jan2, strlen(jan2), &jan, &rec), REJ);
	assert_string_equal(maillog_format_time(rec.when, 'T', t), "2027-01-02T23:00:00");
	assert_string_equal(maillog_format_time(0, 'T', t), "1970-01-01T00:00:00");
	assert_string_equal(maillog_format_time(-1, ' ', t), "1969-12-31 23:59:59");
	maillog_clock_init(&jan, 0);
	assert_true(jan.year == 1970 || jan.year == 1969);
}

struct counted {
	int n;
	int stop_at;
};

static int
count_cb(void *ctx, const struct maillog_rec *rec)
{
	struct counted *c = ctx;

	(void)rec;
	return ++c->n == c->stop_at ? 7 : 0;
}

static void
read_counts(const char *path, uint64_t lines, uint64_t rej, uint64_t skip, uint64_t bad)
{
	struct maillog_stats st = {0};
	struct counted c = {0};
	struct err err;

	if (maillog_read(path, &clk, count_cb, &c, &st, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(st.lines, lines);
	assert_int_equal(st.rejections, rej);
	assert_int_equal(st.skipped, skip);
	assert_int_equal(st.unrecognised, bad);
	assert_int_equal(c.n, (int)rej);
}

static void
gzip_file(const char *from, const char *to, size_t keep)
{
	size_t n;
	char *text = test_slurp(from, &n);
	gzFile gz = gzopen(to, "wb");

	assert_non_null(gz);
	assert_int_equal(gzwrite(gz, text, (unsigned)n), (int)n);
	assert_int_equal(gzclose(gz), Z_OK);
	free(text);
	if (keep) {
		/* Cut the compressed file: a rotation copied while written. */
		text = test_slurp(to, &n);
		FILE *f = fopen(to, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(text, 1, keep, f), keep);
		fclose(f);
		free(text);
	}
}

static void
test_read(void **state)
{
	char gz[600], cut[600], plain[600];
	struct maillog_stats st = {0};
	struct counted c = {.stop_at = 3};
	struct err err;

	(void)state;
	read_counts(test_fixture("maillog/postfix-3.7-postlog.log"), 33, 10, 23, 0);
	read_counts(test_fixture("maillog/typed-forms.log"), 26, 13, 7, 6);
	snprintf(gz, sizeof gz, "%s/mail.log.2.gz", test_dir);
	gzip_file(test_fixture("maillog/postfix-3.7-postlog.log"), gz, 0);
	read_counts(gz, 33, 10, 23, 0);

	/* The callback stops the read, and its value is returned. */
	assert_int_equal(maillog_read(gz, &clk, count_cb, &c, &st, &err), 7);
	assert_int_equal(c.n, 3);

	snprintf(cut, sizeof cut, "%s/cut.gz", test_dir);
	gzip_file(test_fixture("maillog/postfix-3.7-postlog.log"), cut, 300);
	memset(&st, 0, sizeof st);
	assert_int_equal(maillog_read(cut, &clk, NULL, NULL, &st, &err), -1);
	assert_non_null(strstr(err.msg, cut));

	assert_int_equal(maillog_read("/nonexistent/mail.log", &clk, NULL, NULL, &st, &err), -1);
	assert_string_equal(err.msg, "/nonexistent/mail.log: No such file or directory");

	/* An over-long line is one unrecognised line; the next one and a
	 * last line without its newline are read. */
	snprintf(plain, sizeof plain, "%s/long.log", test_dir);
	FILE *f = fopen(plain, "wb");
	assert_non_null(f);
	for (int i = 0; i < 3 * MAILLOG_LINE_MAX; i++)
		fputc('x', f);
	fputs("\nDNSBL rank 2 for [192.0.2.1]:1\nDNSBL rank 2 for [192.0.2.2]:1", f);
	fclose(f);
	read_counts(plain, 3, 2, 0, 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_captured),
	    cmocka_unit_test(test_typed),
	    cmocka_unit_test(test_year),
	    cmocka_unit_test(test_read),
	};
	return cmocka_run_group_tests_name("maillog", tests, setup, test_dir_teardown);
}
