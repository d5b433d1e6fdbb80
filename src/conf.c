/* conf — read and check the configuration file.
 *
 * Keys and defaults (also the reference for the man page):
 *
 * [global]
 *   state_dir     = /var/lib/allowsync   state directory (last good copies, lock)
 *   timeout       = 60                   duration, per source (0 refused)
 *   max_body      = 16M                  size, per source document
 *   min_prefix4   = 12                   8..32 (hard floor /8)
 *   min_prefix6   = 28                   16..128 (hard floor /16)
 *   max_entries   = 50000                CIDRs per source (minimal cover, both families)
 *   max_shrink    = 50%                  per output: largest loss of entries/addresses
 *   max_stale     = 7d                   how long a last good copy may serve
 *   allow_special = no                   IANA special-purpose ranges
 *   allow_empty   = no                   an empty source is acceptable
 *   ca_file       =                      extra CA bundle (HTTPS sources)
 *   dns_server    =                      ADDR[:PORT]…, repeatable (SPF sources)
 *   hook_timeout  = 60                   duration, default of every output
 *
 * [source NAME]  NAME: letters, digits, '.', '_', '-' (not first '.'), ≤ 64
 *   type = static|file|…  required unless preset gives it
 *   preset = NAME         keys of [source NAME] in the presets file
 *                         ($ALLOWSYNC_PRESETS, else DATADIR/presets.conf)
 *                         that this section does not set
 *   tags = WORD…          repeatable (for the publisher)
 *   timeout max_body min_prefix4 min_prefix6 max_entries max_stale
 *   allow_special allow_empty ca_file   override [global]
 *   + the type's own keys (static: prefixes, repeatable; file: path)
 *
 * [output NAME]
 *   type = text|postfix|…  required
 *   sources = NAME…        repeatable; default every source
 *   exclude = PREFIX…      repeatable; never allowed
 *   on_change = CMD ARGS…  run after a change (no shell; quotes allowed)
 *   hook_timeout = 60      duration
 *   max_shrink = 50%       override [global]
 *   + the type's keys (text: path, style = cidr|range, header = yes|no;
 *                      postfix: path, result = OK)
 *
 * [publish]  kept raw for the publisher (keys checked there).
 *
 * Line syntax is libinih's: `key = value` (or `key: value`), `;` or `#`
 * starts a comment line, ` ;` starts an inline comment, an indented line
 * continues the previous key (it counts as a repetition of that key).
 * Lines longer than libinih's fixed buffer are passed through intact.
 */
#include "conf.h"

#include "dns.h"

#include "hook.h"
#include "publish.h"
#include "registry.h"

#include <ini.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX_FILE (4u << 20)

/* ---------------------------------------------------------------- values */

const char *
conf_parse_uint(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!s || !*s)
		return "empty value";
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return "not a non-negative integer";
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return "number too large";
		x = x * 10 + (uint64_t)(*p - '0');
	}
	if (x > max)
		return "number too large";
	*v = x;
	return NULL;
}

/* Digits followed by at most one unit letter; returns the unit (0 = none). */
static const char *
split_unit(const char *s, char *digits, size_t n, char *unit)
{
	size_t len = strlen(s);

	*unit = 0;
	if (len == 0)
		return "empty value";
	if (isalpha((unsigned char)s[len - 1])) {
		*unit = s[len - 1];
		len--;
	}
	if (len == 0 || len >= n)
		return len == 0 ? "number missing" : "number too long";
	memcpy(digits, s, len);
	digits[len] = 0;
	return NULL;
}

const char *
conf_parse_duration(const char *s, uint64_t *secs)
{
	char digits[32], unit;
	uint64_t v, mul;
	const char *r;

	if ((r = split_unit(s, digits, sizeof digits, &unit)))
		return r;
	switch (unit) {
	case 0:
	case 's':
		mul = 1;
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 7 * 86400;
		break;
	default:
		return "bad duration unit (use s, m, h, d or w)";
	}
	if ((r = conf_parse_uint(digits, UINT64_MAX / mul, &v)))
		return strcmp(r, "number too large") == 0 ? "duration too large"
							  : "not a duration (e.g. 90s, 30m, 3h, 7d)";
	/* Keep time arithmetic (now + d) far from overflow: 100 years. */
	if (v * mul > 100ull * 366 * 86400)
		return "duration too large";
	*secs = v * mul;
	return NULL;
}

const char *
conf_parse_size(const char *s, uint64_t *bytes)
{
	char digits[32], unit;
	uint64_t v, mul;
	const char *r;

	if ((r = split_unit(s, digits, sizeof digits, &unit)))
		return r;
	switch (unit) {
	case 0:
		mul = 1;
		break;
	case 'k':
	case 'K':
		mul = 1024;
		break;
	case 'm':
	case 'M':
		mul = 1024 * 1024;
		break;
	case 'g':
	case 'G':
		mul = 1024 * 1024 * 1024;
		break;
	default:
		return "bad size unit (use k, M or G)";
	}
	if ((r = conf_parse_uint(digits, UINT64_MAX / mul, &v)))
		return strcmp(r, "number too large") == 0 ? "size too large"
							  : "not a size (e.g. 512k, 16M)";
	*bytes = v * mul;
	return NULL;
}

const char *
conf_parse_bool(const char *s, bool *v)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*v = true;
			return NULL;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*v = false;
			return NULL;
		}
	}
	return "not a boolean (yes or no)";
}

const char *
conf_parse_percent(const char *s, unsigned *pct)
{
	char digits[16];
	size_t len = strlen(s);
	uint64_t v;

	if (len && s[len - 1] == '%')
		len--;
	if (len == 0 || len >= sizeof digits)
		return "not a percentage (e.g. 50%)";
	memcpy(digits, s, len);
	digits[len] = 0;
	if (conf_parse_uint(digits, 100, &v))
		return "not a percentage between 0% and 100%";
	*pct = (unsigned)v;
	return NULL;
}

/* -------------------------------------------------------------- sections */

static struct conf_kv *
find_kv(const struct conf_section *sec, const char *key)
{
	for (size_t i = 0; i < sec->n_kv; i++)
		if (strcmp(sec->kv[i].key, key) == 0)
			return &sec->kv[i];
	return NULL;
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

void
conf_words_free(char **words)
{
	if (!words)
		return;
	for (char **w = words; *w; w++)
		free(*w);
	free(words);
}

char **
conf_get_words(const struct conf_section *sec, const char *key, size_t *n)
{
	const char *const *vals;
	size_t nv = conf_get_all(sec, key, &vals), count = 0, cap = 8;
	char **out = calloc(cap, sizeof *out);

	if (!out)
		return NULL;
	for (size_t i = 0; i < nv; i++) {
		const char *p = vals[i];
		for (;;) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (!*p)
				break;
			size_t len = strcspn(p, " \t,");
			if (count + 2 > cap) {
				char **grown = realloc(out, 2 * cap * sizeof *out);
				if (!grown)
					goto fail;
				out = grown;
				cap *= 2;
			}
			if (!(out[count] = strndup(p, len)))
				goto fail;
			out[++count] = NULL;
			p += len;
		}
	}
	*n = count;
	return out;
fail:
	conf_words_free(out);
	return NULL;
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

static void __attribute__((format(printf, 4, 5)))
file_err(struct err *err, const char *file, unsigned line, const char *fmt, ...)
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

static int
section_add(struct conf_section *sec, const char *key, const char *value, unsigned line)
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
		file_err(r->err, r->file, r->line, "section header without ']'");
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
			file_err(r->err, r->file, r->line, "[%s] takes no name", word);
			r->failed = true;
			return;
		}
	} else if (strcmp(word, "source") == 0 || strcmp(word, "output") == 0) {
		kind = strcmp(word, "source") == 0 ? CONF_SOURCE : CONF_OUTPUT;
		if (!*rest) {
			file_err(r->err, r->file, r->line, "[%s] needs a name: [%s NAME]", word,
				 word);
			r->failed = true;
			return;
		}
		if (!valid_name(rest)) {
			file_err(r->err, r->file, r->line,
				 "bad %s name \"%s\" (letters, digits, '.', '_', '-'; at most 64)",
				 word, rest);
			r->failed = true;
			return;
		}
		name = rest;
	} else {
		file_err(r->err, r->file, r->line,
			 "unknown section [%.*s] (expected global, source NAME, output NAME, publish)",
			 (int)(end - line - 1), line + 1);
		r->failed = true;
		return;
	}
	for (size_t i = 0; i < r->n_secs; i++) {
		const struct conf_section *o = r->secs[i];
		if (o->kind == kind && ((!name && !o->name) || (name && o->name && strcmp(name, o->name) == 0))) {
			file_err(r->err, r->file, r->line,
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
			file_err(r->err, r->file, r->line, "line too long and not key = value");
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
		file_err(r->err, r->file, r->line, "\"%s\" outside of any section", name);
		r->failed = true;
		return 1;
	}
	if (value[0] == 0x1a && value[1] == 0 && r->long_value)
		value = r->long_value;
	if (section_add(r->secs[r->n_secs - 1], name, value, r->line) < 0)
		r->oom = true;
	return 1;
}

static int
read_whole(const char *path, bool owner_check, char **buf, size_t *len, struct err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *b = NULL;
	size_t n = 0;

	if (fd < 0) {
		file_err(err, path, 0, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		file_err(err, path, 0, "not a regular file");
		goto fail;
	}
	if (owner_check && (st.st_uid != 0 || (st.st_mode & 022))) {
		file_err(err, path, 0,
			 "refusing a configuration %s (running as root: it must be owned by root "
			 "and not writable by group or others)",
			 st.st_uid != 0 ? "not owned by root" : "writable by group or others");
		goto fail;
	}
	if ((uint64_t)st.st_size > CONF_MAX_FILE) {
		file_err(err, path, 0, "file larger than %u bytes", CONF_MAX_FILE);
		goto fail;
	}
	if (!(b = malloc((size_t)st.st_size + 1)))
		goto oom;
	while (n < (size_t)st.st_size) {
		ssize_t got = read(fd, b + n, (size_t)st.st_size - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			file_err(err, path, 0, "cannot read: %s",
				 got < 0 ? strerror(errno) : "file shrank");
			goto fail;
		}
		n += (size_t)got;
	}
	b[n] = 0;
	if (memchr(b, 0, n)) {
		file_err(err, path, 0, "contains a NUL byte");
		goto fail;
	}
	close(fd);
	*buf = b;
	*len = n;
	return 0;
oom:
	file_err(err, path, 0, "out of memory");
fail:
	free(b);
	close(fd);
	return -1;
}

/* Parse a file into sections.  `file` must outlive the sections. */
static int
parse_file(const char *file, bool owner_check, struct conf_section ***secs, size_t *n_secs,
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
		file_err(err, file, 0, "out of memory");
	} else if (!r.failed && rc != 0) {
		file_err(err, file, rc > 0 ? (unsigned)rc : 0,
			 rc > 0 ? "syntax error (expected [section], key = value or a comment)"
				: "cannot parse");
	} else if (!r.failed) {
		*secs = r.secs;
		*n_secs = r.n_secs;
		return 0;
	}
	for (size_t i = 0; i < r.n_secs; i++)
		section_free(r.secs[i]);
	free(r.secs);
	return -1;
}

/* ------------------------------------------------------------ key checks */

static const struct conf_key global_keys[] = {
	{"state_dir", 0},   {"timeout", 0},     {"max_body", 0},      {"min_prefix4", 0},
	{"min_prefix6", 0}, {"max_entries", 0}, {"max_shrink", 0},    {"max_stale", 0},
	{"allow_special", 0}, {"allow_empty", 0}, {"ca_file", 0},
	{"dns_server", CONF_KEY_MULTI}, {"hook_timeout", 0}, {NULL, 0},
};

static const struct conf_key source_common_keys[] = {
	{"type", 0},        {"preset", 0},        {"tags", CONF_KEY_MULTI}, {"timeout", 0},
	{"max_body", 0},    {"min_prefix4", 0},   {"min_prefix6", 0},       {"max_entries", 0},
	{"max_stale", 0},   {"allow_special", 0}, {"allow_empty", 0},       {"ca_file", 0},
	{NULL, 0},
};

static const struct conf_key output_common_keys[] = {
	{"type", CONF_KEY_REQUIRED}, {"sources", CONF_KEY_MULTI}, {"exclude", CONF_KEY_MULTI},
	{"on_change", 0},            {"hook_timeout", 0},         {"max_shrink", 0},
	{NULL, 0},
};

static const struct conf_key *
key_find(const struct conf_key *list, const char *name)
{
	for (; list && list->name; list++)
		if (strcmp(list->name, name) == 0)
			return list;
	return NULL;
}

/* Unknown keys, repeated single keys, missing required keys. */
static int
check_keys(const struct conf_section *sec, const struct conf_key *a, const struct conf_key *b,
	   const char *what, struct err *err)
{
	for (size_t i = 0; i < sec->n_kv; i++) {
		const struct conf_kv *kv = &sec->kv[i];
		const struct conf_key *k = key_find(a, kv->key);
		if (!k)
			k = key_find(b, kv->key);
		if (!k) {
			file_err(err, sec->file, kv->lines[0] ? kv->lines[0] : sec->line,
				 "unknown key \"%s\" in %s", kv->key, what);
			return -1;
		}
		if (!(k->flags & CONF_KEY_MULTI) && kv->n > 1) {
			file_err(err, sec->file, kv->lines[1] ? kv->lines[1] : sec->line,
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

/* ---------------------------------------------------------- typed values */

/* The typed getters: an absent key leaves *v at its default; a bad
 * value is reported as `FILE:LINE: key = value: reason`. */
static int
bad_value(const struct conf_section *sec, const char *key, const char *s, const char *reason,
	  struct err *err)
{
	if (!reason)
		return 0;
	conf_err_set(err, sec, key, "%s = %s: %s", key, s, reason);
	return -1;
}

static int
get_duration(const struct conf_section *sec, const char *key, uint64_t *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_duration(s, v), err) : 0;
}

static int
get_size(const struct conf_section *sec, const char *key, uint64_t *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_size(s, v), err) : 0;
}

static int
get_bool(const struct conf_section *sec, const char *key, bool *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_bool(s, v), err) : 0;
}

static int
get_percent(const struct conf_section *sec, const char *key, unsigned *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_percent(s, v), err) : 0;
}

static int
get_uint(const struct conf_section *sec, const char *key, uint64_t max, uint64_t *v,
	 struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_uint(s, max, v), err) : 0;
}

static int
get_floor(const struct conf_section *sec, const char *key, int hard, int bits, int *v,
	  struct err *err)
{
	uint64_t x;
	const char *s = conf_get(sec, key);

	if (!s)
		return 0;
	if (get_uint(sec, key, 1000, &x, err) < 0)
		return -1;
	if (x < (uint64_t)hard) {
		conf_err_set(err, sec, key, "%s = %s is below the hard floor /%d", key, s, hard);
		return -1;
	}
	if (x > (uint64_t)bits) {
		conf_err_set(err, sec, key, "%s = %s: longer than /%d", key, s, bits);
		return -1;
	}
	*v = (int)x;
	return 0;
}

/* The limit keys shared by [global] and [source]: overrides `l`. */
static int
get_limits(const struct conf_section *sec, struct source_limits *l, struct err *err)
{
	const char *ca;

	if (get_duration(sec, "timeout", &l->timeout, err) < 0 ||
	    get_size(sec, "max_body", &l->max_body, err) < 0 ||
	    get_floor(sec, "min_prefix4", CONF_HARD_FLOOR4, 32, &l->min_prefix4, err) < 0 ||
	    get_floor(sec, "min_prefix6", CONF_HARD_FLOOR6, 128, &l->min_prefix6, err) < 0 ||
	    get_uint(sec, "max_entries", UINT32_MAX, &l->max_entries, err) < 0 ||
	    get_duration(sec, "max_stale", &l->max_stale, err) < 0 ||
	    get_bool(sec, "allow_special", &l->allow_special, err) < 0 ||
	    get_bool(sec, "allow_empty", &l->allow_empty, err) < 0)
		return -1;
	if ((ca = conf_get(sec, "ca_file")))
		l->ca_file = *ca ? ca : NULL;
	if (l->timeout == 0) {
		conf_err_set(err, sec, "timeout", "timeout = 0: a source needs some time");
		return -1;
	}
	if (l->max_body == 0) {
		conf_err_set(err, sec, "max_body", "max_body = 0 refuses every document");
		return -1;
	}
	if (l->max_entries == 0 && !l->allow_empty) {
		conf_err_set(err, sec, "max_entries",
			     "max_entries = 0 contradicts allow_empty = no: nothing could pass");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- presets */

static const char *
presets_path(void)
{
	const char *env = getenv("ALLOWSYNC_PRESETS");

	return env && *env ? env : ALLOWSYNC_DATADIR "/presets.conf";
}

/* Copy into `sec` the keys of preset `name` it does not set itself
 * (line 0: errors about them point at the section). */
static int
apply_preset(struct conf *c, struct conf_section *sec, struct conf_section ***psecs,
	     size_t *n_psecs, char **ppath, struct err *err)
{
	const char *name = conf_get(sec, "preset");
	const struct conf_section *p = NULL;

	if (!*psecs) {
		if (!(*ppath = strdup(presets_path()))) {
			conf_err_set(err, sec, "preset", "out of memory");
			return -1;
		}
		struct err perr;
		if (parse_file(*ppath, false, psecs, n_psecs, &perr) < 0) {
			conf_err_set(err, sec, "preset", "preset \"%s\": presets file: %s", name,
				     perr.msg);
			return -1;
		}
	}
	for (size_t i = 0; i < *n_psecs; i++)
		if ((*psecs)[i]->kind == CONF_SOURCE && strcmp((*psecs)[i]->name, name) == 0)
			p = (*psecs)[i];
	if (!p) {
		conf_err_set(err, sec, "preset", "unknown preset \"%s\" (see allowsync presets)",
			     name);
		return -1;
	}
	if (conf_get(p, "preset")) {
		conf_err_set(err, sec, "preset", "preset \"%s\" itself names a preset", name);
		return -1;
	}
	for (size_t i = 0; i < p->n_kv; i++) {
		if (find_kv(sec, p->kv[i].key))
			continue;
		for (size_t j = 0; j < p->kv[i].n; j++)
			if (section_add(sec, p->kv[i].key, p->kv[i].values[j], 0) < 0) {
				conf_err_set(err, sec, "preset", "out of memory");
				return -1;
			}
	}
	(void)c;
	return 0;
}

/* ---------------------------------------------------------------- objects */

static void
source_free(struct source *s)
{
	if (!s)
		return;
	if (s->type && s->type->free)
		s->type->free(s);
	conf_words_free(s->tags);
	free(s->name);
	free(s);
}

static void
output_free(struct output *o)
{
	if (!o)
		return;
	if (o->type && o->type->free)
		o->type->free(o);
	free(o->sources);
	pset_free(o->exclude);
	hook_argv_free(o->on_change);
	free(o->name);
	free(o);
}

void
conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_outputs; i++)
		output_free(c->outputs[i]);
	free(c->outputs);
	for (size_t i = 0; i < c->n_sources; i++)
		source_free(c->sources[i]);
	free(c->sources);
	conf_words_free(c->dns_servers);
	for (size_t i = 0; i < c->n_secs; i++)
		section_free(c->secs[i]);
	free(c->secs);
	free(c->state_dir);
	free(c->path);
	free(c);
}

struct source *
conf_find_source(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_sources; i++)
		if (strcmp(c->sources[i]->name, name) == 0)
			return c->sources[i];
	return NULL;
}

struct output *
conf_find_output(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_outputs; i++)
		if (strcmp(c->outputs[i]->name, name) == 0)
			return c->outputs[i];
	return NULL;
}

static int
oom(struct err *err, const struct conf_section *sec)
{
	conf_err_set(err, sec, NULL, "out of memory");
	return -1;
}

static int
load_global(struct conf *c, const struct conf_section *g, struct err *err)
{
	const char *sd;
	size_t n;

	if (check_keys(g, global_keys, NULL, "[global]", err) < 0 ||
	    get_limits(g, &c->limits, err) < 0 ||
	    get_percent(g, "max_shrink", &c->max_shrink, err) < 0 ||
	    get_duration(g, "hook_timeout", &c->hook_timeout, err) < 0)
		return -1;
	if ((sd = conf_get(g, "state_dir"))) {
		if (sd[0] != '/') {
			conf_err_set(err, g, "state_dir", "state_dir = %s: not an absolute path", sd);
			return -1;
		}
		free(c->state_dir);
		if (!(c->state_dir = strdup(sd)))
			return oom(err, g);
	}
	conf_words_free(c->dns_servers);
	if (!(c->dns_servers = conf_get_words(g, "dns_server", &n)))
		return oom(err, g);
	c->n_dns_servers = n;
	/* A bad server would otherwise only show when an SPF source runs. */
	for (size_t i = 0; i < n; i++)
		if (dns_servers_check(c->dns_servers[i], err) < 0) {
			conf_err_set(err, g, "dns_server", "%s", err->msg);
			return -1;
		}
	return 0;
}

static int
load_source(struct conf *c, struct conf_section *sec, struct err *err)
{
	char what[128];
	const char *tname = conf_get(sec, "type");
	struct source *s = calloc(1, sizeof *s);

	snprintf(what, sizeof what, "[source %s]", sec->name);
	if (!s)
		return oom(err, sec);
	if (!(s->name = strdup(sec->name))) {
		free(s);
		return oom(err, sec);
	}
	c->sources[c->n_sources++] = s;
	s->sec = sec;
	s->limits = c->limits;
	if (!tname) {
		conf_err_set(err, sec, NULL, "%s: missing required key \"type\"", what);
		return -1;
	}
	if (!(s->type = registry_source(tname))) {
		conf_err_set(err, sec, "type", "%s: unknown source type \"%s\"", what, tname);
		return -1;
	}
	if (check_keys(sec, source_common_keys, s->type->keys, what, err) < 0 ||
	    get_limits(sec, &s->limits, err) < 0)
		return -1;
	if (!(s->tags = conf_get_words(sec, "tags", &s->n_tags)))
		return oom(err, sec);
	if (s->type->configure && s->type->configure(s, sec, err) < 0)
		return -1;
	return 0;
}

int
conf_get_prefixes(const struct conf_section *sec, const char *key, const char *what,
		  struct pset *set, struct err *err)
{
	const struct conf_kv *kv = find_kv(sec, key);

	for (size_t i = 0; kv && i < kv->n; i++) {
		unsigned line = kv->lines[i] ? kv->lines[i] : sec->line;
		const char *p = kv->values[i];
		for (;;) {
			while (*p == ' ' || *p == '\t' || *p == ',')
				p++;
			if (!*p)
				break;
			size_t len = strcspn(p, " \t,");
			struct pfx x;
			if (!pfx_parse(p, len, &x, err)) {
				file_err(err, sec->file, line, "[%s] %s: \"%.*s\": %s", what, key,
					 (int)len, p, err->msg);
				return -1;
			}
			if (pset_add_pfx(set, &x) < 0) {
				file_err(err, sec->file, line, "out of memory");
				return -1;
			}
			p += len;
		}
	}
	if (pset_merge(set) < 0) {
		file_err(err, sec->file, sec->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
load_exclude(struct output *o, const struct conf_section *sec, struct err *err)
{
	char what[96]; /* names are at most 64 characters */

	snprintf(what, sizeof what, "output %s", o->name);
	return conf_get_prefixes(sec, "exclude", what, o->exclude, err);
}

static int
load_output(struct conf *c, struct conf_section *sec, struct err *err)
{
	char what[128];
	const char *tname = conf_get(sec, "type"), *hook;
	struct output *o = calloc(1, sizeof *o);
	char **names = NULL;
	size_t n_names;
	int rc = -1;

	snprintf(what, sizeof what, "[output %s]", sec->name);
	if (!o)
		return oom(err, sec);
	if (!(o->name = strdup(sec->name)) || !(o->exclude = pset_new())) {
		output_free(o);
		return oom(err, sec);
	}
	c->outputs[c->n_outputs++] = o;
	o->sec = sec;
	o->max_shrink = c->max_shrink;
	o->hook_timeout = c->hook_timeout;
	if (!tname) {
		conf_err_set(err, sec, NULL, "%s: missing required key \"type\"", what);
		return -1;
	}
	if (!(o->type = registry_output(tname))) {
		conf_err_set(err, sec, "type", "%s: unknown output type \"%s\"", what, tname);
		return -1;
	}
	if (check_keys(sec, output_common_keys, o->type->keys, what, err) < 0 ||
	    get_percent(sec, "max_shrink", &o->max_shrink, err) < 0 ||
	    get_duration(sec, "hook_timeout", &o->hook_timeout, err) < 0 ||
	    load_exclude(o, sec, err) < 0)
		return -1;
	if (o->hook_timeout == 0) {
		conf_err_set(err, sec, "hook_timeout", "hook_timeout = 0: a hook needs some time");
		return -1;
	}
	if ((hook = conf_get(sec, "on_change"))) {
		if (!(o->on_change = hook_split(hook, err))) {
			conf_err_set(err, sec, "on_change", "on_change: %s", err->msg);
			return -1;
		}
	}
	if (!(names = conf_get_words(sec, "sources", &n_names)))
		return oom(err, sec);
	if (!(o->sources = calloc(n_names ? n_names : c->n_sources + 1, sizeof *o->sources)))
		goto nomem;
	if (!find_kv(sec, "sources")) {
		for (size_t i = 0; i < c->n_sources; i++)
			o->sources[o->n_sources++] = c->sources[i];
	} else if (n_names == 0) {
		conf_err_set(err, sec, "sources", "%s: sources is empty", what);
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		struct source *s = conf_find_source(c, names[i]);
		if (!s) {
			conf_err_set(err, sec, "sources", "%s: unknown source \"%s\"", what, names[i]);
			goto out;
		}
		for (size_t j = 0; j < o->n_sources; j++)
			if (o->sources[j] == s) {
				conf_err_set(err, sec, "sources", "%s: source \"%s\" listed twice", what,
					     names[i]);
				goto out;
			}
		o->sources[o->n_sources++] = s;
	}
	if (o->type->configure && o->type->configure(o, sec, err) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	rc = oom(err, sec);
out:
	conf_words_free(names);
	return rc;
}

int
conf_load(const char *path, unsigned flags, struct conf **out, struct err *err)
{
	struct conf *c = calloc(1, sizeof *c);
	struct conf_section **psecs = NULL;
	size_t n_psecs = 0, n_src = 0, n_out = 0;
	char *ppath = NULL;
	const struct conf_section *global = NULL;
	int rc = -1;

	err_clear(err);
	if (!c || !(c->path = strdup(path)) || !(c->state_dir = strdup(CONF_DEFAULT_STATE_DIR))) {
		file_err(err, path, 0, "out of memory");
		goto out;
	}
	c->limits = (struct source_limits){
		.timeout = CONF_DEFAULT_TIMEOUT,
		.max_body = CONF_DEFAULT_MAX_BODY,
		.min_prefix4 = CONF_DEFAULT_MIN_PREFIX4,
		.min_prefix6 = CONF_DEFAULT_MIN_PREFIX6,
		.max_entries = CONF_DEFAULT_MAX_ENTRIES,
		.max_stale = CONF_DEFAULT_MAX_STALE,
	};
	c->max_shrink = CONF_DEFAULT_MAX_SHRINK;
	c->hook_timeout = CONF_DEFAULT_HOOK_TIMEOUT;
	if (!(c->dns_servers = calloc(1, sizeof *c->dns_servers))) {
		file_err(err, path, 0, "out of memory");
		goto out;
	}
	bool owner_check = !(flags & CONF_LOAD_NO_OWNER_CHECK) && geteuid() == 0;
	if (parse_file(c->path, owner_check, &c->secs, &c->n_secs, err) < 0)
		goto out;

	for (size_t i = 0; i < c->n_secs; i++) {
		if (c->secs[i]->kind == CONF_GLOBAL)
			global = c->secs[i];
		n_src += c->secs[i]->kind == CONF_SOURCE;
		n_out += c->secs[i]->kind == CONF_OUTPUT;
		if (c->secs[i]->kind == CONF_PUBLISH)
			c->publish = c->secs[i];
	}
	if (global && load_global(c, global, err) < 0)
		goto out;
	if (n_src == 0) {
		file_err(err, c->path, 0, "no [source NAME] section: nothing to allow");
		goto out;
	}
	if (!(c->sources = calloc(n_src, sizeof *c->sources)) ||
	    !(c->outputs = calloc(n_out + 1, sizeof *c->outputs))) {
		file_err(err, path, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->n_secs; i++) {
		struct conf_section *sec = c->secs[i];
		if (sec->kind != CONF_SOURCE)
			continue;
		if (conf_get(sec, "preset") && apply_preset(c, sec, &psecs, &n_psecs, &ppath, err) < 0)
			goto out;
		if (load_source(c, sec, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->n_secs; i++)
		if (c->secs[i]->kind == CONF_OUTPUT && load_output(c, c->secs[i], err) < 0)
			goto out;
	for (size_t i = 0; i < c->n_outputs; i++)
		for (size_t j = 0; j < i; j++) {
			const struct output *a = c->outputs[j], *b = c->outputs[i];
			if (a->target && b->target && strcmp(a->target, b->target) == 0) {
				conf_err_set(err, b->sec, NULL,
					     "[output %s] writes %s, as [output %s] does (line %u)",
					     b->name, b->target, a->name, a->sec->line);
				goto out;
			}
		}
	/* The publisher's keys, checked here so every command refuses them. */
	if (c->publish && publish_conf_check(c, err) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	for (size_t i = 0; i < n_psecs; i++)
		section_free(psecs[i]);
	free(psecs);
	free(ppath);
	conf_free(c);
	return rc;
}
