/* authfile — a url source's credentials file; see authfile.h. */
#include "authfile.h"

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

static int
check_stat(const char *path, const struct stat *st, struct err *err)
{
	if (!S_ISREG(st->st_mode))
		return err_set(err, "%s: not a regular file", path);
	if (st->st_uid != 0 && st->st_uid != geteuid())
		return err_set(err, "%s: owned by uid %u, neither root nor the running user", path,
			       (unsigned)st->st_uid);
	if (st->st_mode & 077)
		return err_set(err, "%s: group or others have access (mode %04o): chmod 600 it",
			       path, (unsigned)(st->st_mode & 07777));
	return 0;
}

int
authfile_check(const char *path, struct err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return err_errno(err, errno, "%s", path);
	return check_stat(path, &st, err);
}

static bool
is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

/* Printable ASCII and tabs only: nothing that could end a header. */
static bool
clean(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

const char *
authfile_parse(const char *text, size_t len, struct http_auth *out)
{
	const char *p = text, *end = text + len, *line = NULL;
	size_t n = 0;

	memset(out, 0, sizeof *out);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		if (!is_blank(p, (size_t)(e - p))) {
			if (line)
				return "more than one line (one user:password or one "
				       "\"Authorization: …\" header line)";
			line = p;
			n = (size_t)(e - p);
		}
		p = nl ? nl + 1 : end;
	}
	if (!line)
		return "empty";
	while (n && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
		n--;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	if (!clean(line, n))
		return "control or non-ASCII characters in it";
	if (n >= 14 && strncasecmp(line, "authorization:", 14) == 0) {
		if (is_blank(line + 14, n - 14))
			return "an Authorization header without a value";
		if (!(out->header = strndup(line, n)))
			return "out of memory";
		return NULL;
	}
	const char *colon = memchr(line, ':', n);
	if (!colon)
		return "neither user:password nor an \"Authorization: …\" header line";
	if (colon == line)
		return "user:password with an empty user";
	if (!(out->user = strndup(line, (size_t)(colon - line))) ||
	    !(out->password = strndup(colon + 1, n - (size_t)(colon + 1 - line)))) {
		http_auth_clear(out);
		return "out of memory";
	}
	return NULL;
}

int
authfile_read(const char *path, struct http_auth *out, struct err *err)
{
	char buf[AUTHFILE_MAX + 1];
	struct stat st;
	size_t len = 0;
	const char *why;
	int fd, rc = -1;

	memset(out, 0, sizeof *out);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return err_errno(err, errno, "%s", path);
	/* The file opened is the one judged (not what the path names later). */
	if (fstat(fd, &st) < 0) {
		err_errno(err, errno, "%s", path);
		goto out;
	}
	if (check_stat(path, &st, err) < 0)
		goto out;
	for (;;) {
		ssize_t r = read(fd, buf + len, sizeof buf - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_errno(err, errno, "%s", path);
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > AUTHFILE_MAX) {
			err_set(err, "%s: larger than %d bytes", path, AUTHFILE_MAX);
			goto out;
		}
	}
	if (memchr(buf, '\0', len)) {
		err_set(err, "%s: contains a NUL byte", path);
		goto out;
	}
	if ((why = authfile_parse(buf, len, out)) != NULL) {
		err_set(err, "%s: %s", path, why);
		goto out;
	}
	rc = 0;
out:
	sodium_memzero(buf, sizeof buf);
	close(fd);
	return rc;
}
