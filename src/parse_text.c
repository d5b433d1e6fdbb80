/* parse_text — the plain-text list reader; see parse_text.h. */
#include "parse_text.h"

#include "log.h"
#include "plural.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A list line is short; anything longer is not a list. */
#define LINE_MAX_LEN 4096
#define CHUNK (1u << 20)
/* After this many, host-bit warnings for one input are only counted. */
#define HOST_BITS_WARN_MAX 5

struct reader {
	const char *name;
	struct pset *out;
	struct err *err;
	size_t line;
	size_t host_bits;
};

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static const char *
skip_bom(const char *s, size_t *n)
{
	if (*n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
		*n -= 3;
		return s + 3;
	}
	return s;
}

bool
looks_like_html(const char *buf, size_t len)
{
	buf = skip_bom(buf, &len);
	for (size_t i = 0; i < len; i++) {
		if (is_blank(buf[i]) || buf[i] == '\n')
			continue;
		return buf[i] == '<';
	}
	return false;
}

/* Where a comment starts in s[0..n): the first '#' or ';', else n.
 * Every line is searched, and byte by byte that cost as much as parsing
 * the entry, so words of eight bytes are tested first ("has a zero
 * byte" on the word XOR the character; exact about whether, not where). */
static size_t
comment_start(const char *s, size_t n)
{
	const uint64_t ones = 0x0101010101010101u, highs = ones << 7;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		uint64_t w, h, c;
		memcpy(&w, s + i, sizeof w);
		h = w ^ (ones * '#');
		c = w ^ (ones * ';');
		if ((((h - ones) & ~h) | ((c - ones) & ~c)) & highs)
			break;
	}
	for (; i < n; i++)
		if (s[i] == '#' || s[i] == ';')
			return i;
	return n;
}

static int
feed_line(struct reader *rd, const char *s, size_t n)
{
	struct pfx p;

	rd->line++;
	if (rd->line == 1)
		s = skip_bom(s, &n);
	if (n > LINE_MAX_LEN)
		return err_set_line(rd->err, rd->line, "line too long for a list entry");
	n = comment_start(s, n);
	while (n > 0 && is_blank(s[n - 1]))
		n--;
	while (n > 0 && is_blank(*s)) {
		s++;
		n--;
	}
	if (n == 0)
		return 0;
	if (s[0] == '<')
		return err_set_line(rd->err, rd->line, "looks like an HTML page, not a list");
	if (!pfx_parse(s, n, &p, rd->err)) {
		rd->err->line = rd->line;
		return -1;
	}
	if (p.host_bits) {
		if (++rd->host_bits <= HOST_BITS_WARN_MAX) {
			char text[PFX_TEXT_MAX];
			pfx_format_cidr(p.fam, p.r.lo, p.len, text);
			log_warn("%s:%zu: \"%.*s\" has host bits set; using %s", rd->name, rd->line,
				 (int)n, s, text);
		}
	}
	if (pset_add_pfx(rd->out, &p) < 0)
		return err_set_line(rd->err, rd->line, "out of memory");
	return 0;
}

/* Feed every complete line of buf; returns how many bytes were used. */
static int
feed_lines(struct reader *rd, const char *buf, size_t len, bool last, size_t *used)
{
	const char *p = buf, *end = buf + len;

	while (p < end) {
		struct pfx x;
		const char *nl;

		/* Most lines of a big list are a bare IPv4 entry: taken in one
		 * pass, without the search for the newline, comments and
		 * blanks.  Anything else (the first line's BOM, host bits to
		 * warn about, CRLF...) goes the general way. */
		if (rd->line > 0 && (nl = pfx_parse_v4_line(p, end, &x)) && !x.host_bits) {
			rd->line++;
			if (pset_add_pfx(rd->out, &x) < 0)
				return err_set_line(rd->err, rd->line, "out of memory");
			p = nl + 1;
			continue;
		}
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			if (!last)
				break;
			nl = end;
		}
		if (feed_line(rd, p, (size_t)(nl - p)) < 0)
			return -1;
		p = nl < end ? nl + 1 : end;
	}
	*used = (size_t)(p - buf);
	return 0;
}

static void
finish(struct reader *rd)
{
	if (rd->host_bits > HOST_BITS_WARN_MAX)
		log_warn("%s: %zu more %s had host bits set (cleared)", rd->name,
			 rd->host_bits - HOST_BITS_WARN_MAX,
			 ENTRIES(rd->host_bits - HOST_BITS_WARN_MAX));
}

int
parse_text_buf(const char *name, const char *buf, size_t len, struct pset *out, struct err *err)
{
	struct reader rd = {.name = name, .out = out, .err = err};
	size_t used;

	if (looks_like_html(buf, len))
		return err_set_line(err, 0, "looks like an HTML page, not a list");
	if (feed_lines(&rd, buf, len, true, &used) < 0)
		return -1;
	finish(&rd);
	return 0;
}

int
parse_text_fd(const char *name, int fd, struct pset *out, struct err *err)
{
	struct reader rd = {.name = name, .out = out, .err = err};
	char *buf = malloc(CHUNK);
	size_t have = 0;
	bool first = true;
	int rc = -1;

	if (!buf)
		return err_set_line(err, 0, "out of memory");
	for (;;) {
		ssize_t got = read(fd, buf + have, CHUNK - have);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			err_set(err, "%s", strerror(errno));
			goto out;
		}
		have += (size_t)got;
		if (first && have > 0) {
			if (looks_like_html(buf, have)) {
				err_set_line(err, 0, "looks like an HTML page, not a list");
				goto out;
			}
			first = false;
		}
		size_t used;
		if (feed_lines(&rd, buf, have, got == 0, &used) < 0)
			goto out;
		if (got == 0)
			break;
		if (used == 0 && have == CHUNK) {
			err_set_line(err, rd.line + 1, "line too long for a list entry");
			goto out;
		}
		memmove(buf, buf + used, have - used);
		have -= used;
	}
	finish(&rd);
	rc = 0;
out:
	free(buf);
	return rc;
}

int
parse_text_file(const char *path, struct pset *out, struct err *err)
{
	if (strcmp(path, "-") == 0)
		return parse_text_fd("(stdin)", STDIN_FILENO, out, err);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, "%s", strerror(errno));
	int rc = parse_text_fd(path, fd, out, err);
	close(fd);
	return rc;
}
