/* confkv — the configuration file as written: sections of key/value
 * lines with their line numbers (see confkv.h for the syntax).
 *
 * libinih reports key/value pairs but neither section headers as we
 * want them (`[source NAME]` with a checked NAME, no duplicates) nor
 * long lines: the reader hands it the file line by line, tracks sections
 * and line numbers itself, and passes lines longer than libinih's fixed
 * buffer through a side channel so they arrive intact.
 */
#include "confkv.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX_FILE (4u << 20)

/* -------------------------------------------------------------- sections */

static struct conf_kv *
find_kv(const struct conf_section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n_kv; i++)
		if (strcmp(sec->kv[i].key, key) == 0)
			return &sec->kv[i];
	return NULL;
}

const struct conf_kv *
conf_get_kv(const struct conf_section *sec, const char *key)
{
	return find_kv(sec, key);
}

const char *
conf_get(const struct conf_section *sec, const char *key)
{
	const struct conf_kv *kv = find_kv(sec, key);

	return kv ? kv->values[kv->n - 1] : NULL;
}

size_t
conf_get_all(const struct conf_section *sec, const char *key, const char *const **values)
{
	const struct conf_kv *kv = find_kv(sec, key);

	*values = kv ? (const char *const *)kv->values : NULL;
	return kv ? kv->n : 0;
}

unsigned
conf_line(const struct conf_section *sec, const char *key)
{
	const struct conf_kv *kv = key ? find_kv(sec, key) : NULL;

	if (kv && kv->lines[kv->n - 1])
		return kv->lines[kv->n - 1];
	return sec->line;
}

/* "FILE:LINE: reason", or "FILE: reason" about the file as a whole; the
 * line is kept in err->line too. */
static void __attribute__((format(printf, 4, 0)))
file_errv(struct err *err, const char *file, unsigned line, const char *fmt, va_list ap)
{
	err_setv(err, fmt, ap);
	if (line)
		err_prefix(err, "%s:%u", file, line);
	else
		err_prefix(err, "%s", file);
	err->line = line;
}

void
conf_err_set(struct err *err, const struct conf_section *sec, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	file_errv(err, sec && sec->file ? sec->file : "", sec ? conf_line(sec, key) : 0, fmt, ap);
	va_end(ap);
}

void
conf_err_at(struct err *err, const struct conf_section *sec, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	file_errv(err, sec->file ? sec->file : "", line, fmt, ap);
	va_end(ap);
}

void
conf_err_file(struct err *err, const char *file, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	file_errv(err, file, line, fmt, ap);
	va_end(ap);
}

static void
section_free(struct conf_section *sec)
{
	if (!sec)
		return;
	for (size_t i = 0; i < sec->n_kv; i++) {
		for (size_t j = 0; j < sec->kv[i].n; j++)
			free(sec->kv[i].values[j]);
		free(sec->kv[i].values);
		free(sec->kv[i].lines);
		free(sec->kv[i].key);
	}
	free(sec->kv);
	free(sec->name);
	free(sec);
}

int
confkv_add(struct conf_section *sec, const char *key, const char *value, unsigned line)
{
	struct conf_kv *kv = find_kv(sec, key);

	if (!kv) {
		struct conf_kv *grown = realloc(sec->kv, (sec->n_kv + 1) * sizeof *grown);
		if (!grown)
			return -1;
		sec->kv = grown;
		kv = &sec->kv[sec->n_kv];
		memset(kv, 0, sizeof *kv);
		if (!(kv->key = strdup(key)))
			return -1;
		sec->n_kv++;
	}
	char **vals = realloc(kv->values, (kv->n + 1) * sizeof *vals);
	if (!vals)
		return -1;
	kv->values = vals;
	unsigned *lines = realloc(kv->lines, (kv->n + 1) * sizeof *lines);
	if (!lines)
		return -1;
	kv->lines = lines;
	if (!(kv->values[kv->n] = strdup(value)))
		return -1;
	kv->lines[kv->n++] = line;
	return 0;
}

/* ---------------------------------------------------------------- reading */

/* State of one file being read through inih. */
struct reader {
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned line;
	/* Lines longer than inih's buffer: inih gets "key=\x1a" and the
	 * handler takes the value from here. */
	char *long_value;
	struct conf_section **secs;
	size_t n_secs;
	struct err *err;
	bool failed, oom;
};

static char *
trim(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = 0;
	return s;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* A "[…]" line: start a section (the reader tracks sections itself,
 * since inih reports only key/value lines). */
static void
reader_section(struct reader *r, const char *line)
{
	char tmp[512];
	const char *end = strchr(line, ']');
	struct conf_section *sec;
	enum conf_kind kind;
	char *name = NULL, *word, *rest;

	if (!end) {
		conf_err_file(r->err, r->file, r->line, "section header without ']'");
		r->failed = true;
		return;
	}
	snprintf(tmp, sizeof tmp, "%.*s", (int)(end - line - 1), line + 1);
	word = trim(tmp);
	rest = word + strcspn(word, " \t");
	if (*rest)
		*rest++ = 0;
	rest = trim(rest);
	if (strcmp(word, "global") == 0 || strcmp(word, "publish") == 0) {
		kind = strcmp(word, "global") == 0 ? CONF_GLOBAL : CONF_PUBLISH;
		if (*rest) {
			conf_err_file(r->err, r->file, r->line, "[%s] takes no name", word);
			r->failed = true;
			return;
		}
	} else if (strcmp(word, "source") == 0 || strcmp(word, "output") == 0) {
		kind = strcmp(word, "source") == 0 ? CONF_SOURCE : CONF_OUTPUT;
		if (!*rest) {
			conf_err_file(r->err, r->file, r->line, "[%s] needs a name: [%s NAME]",
				      word, word);
			r->failed = true;
			return;
		}
		if (!valid_name(rest)) {
			conf_err_file(r->err, r->file, r->line,
				      "bad %s name \"%s\" (letters, digits, '.', '_', '-'; "
				      "at most 64)",
				      word, rest);
			r->failed = true;
			return;
		}
		name = rest;
	} else {
		conf_err_file(r->err, r->file, r->line,
			      "unknown section [%.*s] (expected global, source NAME, "
			      "output NAME, publish)",
			      (int)(end - line - 1), line + 1);
		r->failed = true;
		return;
	}
	for (size_t i = 0; i < r->n_secs; i++) {
		const struct conf_section *o = r->secs[i];
		if (o->kind == kind && ((!name && !o->name) || (name && o->name && strcmp(name, o->name) == 0))) {
			conf_err_file(r->err, r->file, r->line,
				      "duplicate section [%s%s%s] (first at line %u)", word,
				      name ? " " : "", name ? name : "", o->line);
			r->failed = true;
			return;
		}
	}
	struct conf_section **grown = realloc(r->secs, (r->n_secs + 1) * sizeof *grown);
	if (!grown || !(sec = calloc(1, sizeof *sec))) {
		if (grown)
			r->secs = grown;
		r->oom = true;
		return;
	}
	r->secs = grown;
	sec->kind = kind;
	sec->file = r->file;
	sec->line = r->line;
	if (name && !(sec->name = strdup(name))) {
		free(sec);
		r->oom = true;
		return;
	}
	r->secs[r->n_secs++] = sec;
}

/* Value of a long line as inih would give it: after the first '=' or
 * ':', blanks trimmed, an inline " ;" comment dropped. */
static char *
long_line_value(const char *line, size_t len)
{
	size_t sep = strcspn(line, "=:");
	const char *v = line + sep + 1;
	size_t n = len - sep - 1;
	char *out = strndup(v, n);

	if (!out)
		return NULL;
	for (char *p = out; *p; p++)
		if (*p == ';' && p > out && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = 0;
			break;
		}
	char *t = trim(out);
	memmove(out, t, strlen(t) + 1);
	return out;
}

static char *
reader_fn(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t start = r->pos, len, cap = (size_t)num - 1;

	if (r->pos >= r->len)
		return NULL;
	while (r->pos < r->len && r->buf[r->pos] != '\n')
		r->pos++;
	len = r->pos - start;
	if (r->pos < r->len)
		r->pos++;
	r->line++;

	const char *line = r->buf + start;
	size_t lead = 0;
	while (lead < len && (line[lead] == ' ' || line[lead] == '\t'))
		lead++;
	if (lead == 0 && len > 0 && line[0] == '[') {
		char tmp[512];
		snprintf(tmp, sizeof tmp, "%.*s", (int)len, line);
		if (!r->failed && !r->oom)
			reader_section(r, tmp);
	}
	if (len + 2 <= cap) {
		memcpy(str, line, len);
		str[len] = '\n';
		str[len + 1] = 0;
		return str;
	}
	/* Too long for inih: hand it the key and a marker. */
	size_t sep = strcspn(line, "=:");
	if (sep >= len || sep + 3 > cap || line[lead] == ';' || line[lead] == '#' ||
	    line[lead] == '[') {
		/* A comment, or junk inih would refuse anyway: pass it cut. */
		memcpy(str, line, cap - 1);
		str[cap - 1] = '\n';
		str[cap] = 0;
		if (line[lead] != ';' && line[lead] != '#' && !r->failed) {
			conf_err_file(r->err, r->file, r->line,
				      "line too long and not key = value");
			r->failed = true;
		}
		return str;
	}
	free(r->long_value);
	if (!(r->long_value = long_line_value(line, len)))
		r->oom = true;
	memcpy(str, line, sep + 1);
	str[sep + 1] = 0x1a;
	str[sep + 2] = '\n';
	str[sep + 3] = 0;
	return str;
}

static int
handler_fn(void *user, const char *section, const char *name, const char *value)
{
	struct reader *r = user;
	(void)section;

	if (r->failed || r->oom)
		return 1;
	if (r->n_secs == 0) {
		conf_err_file(r->err, r->file, r->line, "\"%s\" outside of any section", name);
		r->failed = true;
		return 1;
	}
	if (value[0] == 0x1a && value[1] == 0 && r->long_value)
		value = r->long_value;
	if (confkv_add(r->secs[r->n_secs - 1], name, value, r->line) < 0)
		r->oom = true;
	return 1;
}

const char *
conf_unsafe_owner(const struct stat *st)
{
	if (st->st_uid != 0)
		return "not owned by root";
	/* A sticky bit does not help: whoever may create names in the
	 * directory can plant one that is not there yet. */
	if (st->st_mode & 022)
		return "writable by group or others";
	return NULL;
}

/* Whoever may write the directory of the configuration may replace the
 * file, however it is owned: the directory named, and that of the file
 * a symlink leads to, must be root's alone too. */
static int
check_dirs(const char *path, struct err *err)
{
	char *dirs[2] = {strdup(path), realpath(path, NULL)};
	int rc = -1;

	if (!dirs[0]) {
		conf_err_file(err, path, 0, "out of memory");
		goto out;
	}
	for (int i = 0; i < 2; i++) {
		struct stat st;
		const char *why;
		char *slash;

		if (!dirs[i])
			continue;
		if ((slash = strrchr(dirs[i], '/')))
			*(slash == dirs[i] ? slash + 1 : slash) = 0;
		else
			strcpy(dirs[i], ".");
		if (i == 1 && strcmp(dirs[0], dirs[1]) == 0)
			break;
		if (stat(dirs[i], &st) == 0 && (why = conf_unsafe_owner(&st))) {
			char *shown = realpath(dirs[i], NULL); /* "." says little */
			conf_err_file(err, path, 0,
				      "refusing a configuration directory %s %s (" CONF_OWNER_RULE
				      ")",
				      shown ? shown : dirs[i], why);
			free(shown);
			goto out;
		}
	}
	rc = 0;
out:
	free(dirs[0]);
	free(dirs[1]);
	return rc;
}

static int
read_whole(const char *path, bool owner_check, char **buf, size_t *len, struct err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = NULL;
	size_t n = 0;

	if (fd < 0) {
		conf_err_file(err, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		conf_err_file(err, path, 0, "not a regular file");
		goto fail;
	}
	if (owner_check && conf_unsafe_owner(&st)) {
		conf_err_file(err, path, 0, "refusing a configuration %s (" CONF_OWNER_RULE ")",
			      conf_unsafe_owner(&st));
		goto fail;
	}
	if (owner_check && check_dirs(path, err) < 0)
		goto fail;
	if ((uint64_t)st.st_size > CONF_MAX_FILE) {
		conf_err_file(err, path, 0, "file larger than %u bytes", CONF_MAX_FILE);
		goto fail;
	}
	if (!(b = malloc((size_t)st.st_size + 1)))
		goto oom;
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, b + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			conf_err_file(err, path, 0, "cannot read: %s",
				      got < 0 ? strerror(errno) : "file shrank");
			goto fail;
		}
		n += (size_t)got;
	}
	b[n] = 0;
	if (memchr(b, 0, n)) {
		conf_err_file(err, path, 0, "contains a NUL byte");
		goto fail;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
oom:
	conf_err_file(err, path, 0, "out of memory");
fail:
	free(b);
	close(fd);
	return -1;
}

int
confkv_read(const char *file, bool owner_check, struct conf_section ***secs, size_t *n_secs,
	    struct err *err)
{
	struct reader r = {.file = file, .err = err};
	char *buf = NULL;
	size_t len;
	int rc;

	if (read_whole(file, owner_check, &buf, &len, err) < 0)
		return -1;
	r.buf = buf;
	r.len = len;
	rc = ini_parse_stream(reader_fn, &r, handler_fn, &r);
	free(buf);
	free(r.long_value);
	if (r.oom) {
		conf_err_file(err, file, 0, "out of memory");
	} else if (!r.failed && rc != 0) {
		conf_err_file(err, file, rc > 0 ? (unsigned)rc : 0,
			      rc > 0 ? "syntax error (expected [section], key = value or a comment)"
				     : "cannot parse");
	} else if (!r.failed) {
		*secs = r.secs;
		*n_secs = r.n_secs;
		return 0;
	}
	confkv_free(r.secs, r.n_secs);
	return -1;
}

void
confkv_free(struct conf_section **secs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		section_free(secs[i]);
	free(secs);
}

/* ------------------------------------------------------------ key checks */

static const struct conf_key *
key_find(const struct conf_key *list, const char *name)
{
	for (; list && list->name; list++)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

int
conf_check_keys(const struct conf_section *sec, const struct conf_key *a, const struct conf_key *b,
		const char *what, struct err *err)
{
	for (size_t i = 0; i < sec->n_kv; i++) {
		const struct conf_kv *kv = &sec->kv[i];
		const struct conf_key *k = key_find(a, kv->key);
		if (!k)
			k = key_find(b, kv->key);
		if (!k) {
			conf_err_file(err, sec->file, kv->lines[0] ? kv->lines[0] : sec->line,
				      "unknown key \"%s\" in %s", kv->key, what);
			return -1;
		}
		if (!(k->flags & CONF_KEY_MULTI) && kv->n > 1) {
			conf_err_file(err, sec->file, kv->lines[1] ? kv->lines[1] : sec->line,
				      "\"%s\" given twice in %s (first at line %u)", kv->key, what,
				      kv->lines[0]);
			return -1;
		}
	}
	for (int pass = 0; pass < 2; pass++)
		for (const struct conf_key *k = pass ? b : a; k && k->name; k++)
			if ((k->flags & CONF_KEY_REQUIRED) && !find_kv(sec, k->name)) {
				conf_err_set(err, sec, NULL, "%s: missing required key \"%s\"", what,
					     k->name);
				return -1;
			}
	return 0;
}
