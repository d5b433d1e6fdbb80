/* docformat — format/select/sha256 of a document source; see docformat.h. */
#include "docformat.h"

#include "confkv.h"
#include "confval.h"
#include "jsonpath.h"
#include "parse_json.h"
#include "pubdoc.h"

#include <sodium.h>

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One `format =` value, as sources and outputs are one table entry each. */
struct format {
	const char *name;
	enum docformat_kind kind;
	const char *what; /* what an HTML page is refused as not being */
	unsigned flags;
	/* One document, checked; see docformat_parse. */
	int (*parse)(const struct docformat *fmt, const char *name, const char *buf, size_t len,
		     bool allow_empty, struct pset *out, struct err *err);
	/* A local file streamed in constant memory (when not pinned), or
	 * NULL: read whole, then parse. */
	int (*parse_file)(const char *path, struct pset *out, struct err *err);
};

#define FORMAT_SELECT 0x1u /* takes `select = JSONPATH`, at least one */
#define FORMAT_TAGS 0x2u   /* keeps the entries carrying one of the source's `tags` */

struct docformat {
	const struct format *f;
	struct jsonpath **sel;
	size_t nsel;
	bool pinned;
	unsigned char sha256[crypto_hash_sha256_BYTES];
	uint64_t fingerprint;
	char **tags; /* format = allowsync: the entries to keep */
	size_t ntags;
};

static uint64_t
fnv1a(uint64_t h, const char *s)
{
	/* Include the terminator so "ab"+"c" differs from "a"+"bc". */
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	} while (*s++);
	return h;
}

static int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int
text_parse(const struct docformat *fmt, const char *name, const char *buf, size_t len,
	   bool allow_empty, struct pset *out, struct err *err)
{
	(void)fmt;
	(void)allow_empty; /* an empty list is the policy's to judge */
	return parse_text_buf(name, buf, len, out, err);
}

static int
json_parse(const struct docformat *fmt, const char *name, const char *buf, size_t len,
	   bool allow_empty, struct pset *out, struct err *err)
{
	return parse_json_buf(name, buf, len, fmt->sel, fmt->nsel, allow_empty, out, err);
}

static int
allowsync_parse(const struct docformat *fmt, const char *name, const char *buf, size_t len,
		bool allow_empty, struct pset *out, struct err *err)
{
	(void)name;
	return pubdoc_parse_doc(buf, len, (const char *const *)fmt->tags, fmt->ntags, allow_empty,
				out, err);
}

static const struct format formats[] = {
	{ "text", DOCFORMAT_TEXT, "list", 0, text_parse, parse_text_file },
	{ "json", DOCFORMAT_JSON, "JSON document", FORMAT_SELECT, json_parse, NULL },
	{ "allowsync", DOCFORMAT_ALLOWSYNC, "JSON document", FORMAT_TAGS, allowsync_parse, NULL },
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

static const struct format *
format_find(const char *name)
{
	for (size_t i = 0; i < N_FORMATS; i++)
		if (strcmp(formats[i].name, name) == 0)
			return &formats[i];
	return NULL;
}

/* "text, json or allowsync": the names, for the message that refuses
 * any other. */
static void
format_names(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < N_FORMATS && used < size; i++) {
		const char *sep = i == 0 ? "" : i + 1 < N_FORMATS ? ", " : " or ";
		int n = snprintf(buf + used, size - used, "%s%s", sep, formats[i].name);

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

void
docformat_free(struct docformat *fmt)
{
	if (!fmt)
		return;
	for (size_t i = 0; i < fmt->nsel; i++)
		jsonpath_free(fmt->sel[i]);
	free(fmt->sel);
	conf_words_free(fmt->tags);
	free(fmt);
}

struct docformat *
docformat_new(const char *name, const struct conf_section *sec, struct err *err)
{
	const char *format = conf_get(sec, "format"), *pin = conf_get(sec, "sha256");
	const char *const *selects = NULL;
	size_t nsel = conf_get_all(sec, "select", &selects);
	struct docformat *fmt = calloc(1, sizeof *fmt);

	if (!fmt) {
		conf_err_set(err, sec, NULL, "out of memory");
		return NULL;
	}
	/* Without `format`: a text list, or JSON when selectors are given. */
	if (!(fmt->f = format_find(format ? format : nsel ? "json" : "text"))) {
		char names[128];

		format_names(names, sizeof names);
		conf_err_set(err, sec, "format", "[source %s] format = %s: not %s", name, format,
			     names);
		goto err;
	}
	if (!(fmt->f->flags & FORMAT_SELECT) && nsel) {
		conf_err_set(err, sec, "select", "[source %s] select needs format = json", name);
		goto err;
	}
	if ((fmt->f->flags & FORMAT_SELECT) && !nsel) {
		conf_err_set(err, sec, "format",
			     "[source %s] format = %s needs at least one select = JSONPATH", name,
			     fmt->f->name);
		goto err;
	}
	/* The digest starts with the format's name; a tags format's with
	 * "text" before it, as it always did, so that caches made before
	 * stay valid. */
	fmt->fingerprint = fnv1a(0xcbf29ce484222325ULL,
				 fmt->f->flags & FORMAT_TAGS ? "text" : fmt->f->name);
	if (fmt->f->flags & FORMAT_TAGS) {
		if (!(fmt->tags = conf_get_words(sec, "tags", &fmt->ntags))) {
			conf_err_set(err, sec, "tags", "out of memory");
			goto err;
		}
		fmt->fingerprint = fnv1a(fmt->fingerprint, fmt->f->name);
		for (size_t i = 0; i < fmt->ntags; i++)
			fmt->fingerprint = fnv1a(fmt->fingerprint, fmt->tags[i]);
	}
	if (nsel && !(fmt->sel = calloc(nsel, sizeof *fmt->sel))) {
		conf_err_set(err, sec, "select", "out of memory");
		goto err;
	}
	for (size_t i = 0; i < nsel; i++) {
		if (!(fmt->sel[i] = jsonpath_compile(selects[i], err))) {
			/* Name the right line when select is repeated. */
			const struct conf_kv *kv = conf_get_kv(sec, "select");
			unsigned line = conf_line(sec, "select");

			if (kv && i < kv->n)
				line = kv->lines[i];
			conf_err_at(err, sec, line, "[source %s] select = %s: %s", name, selects[i],
				    err->msg);
			goto err;
		}
		fmt->nsel++;
		fmt->fingerprint = fnv1a(fmt->fingerprint, selects[i]);
	}
	if (pin) {
		size_t n = strlen(pin);

		if (n != 2 * sizeof fmt->sha256) {
			conf_err_set(err, sec, "sha256", "[source %s] sha256 = %s: not 64 hex digits",
				     name, pin);
			goto err;
		}
		for (size_t i = 0; i < sizeof fmt->sha256; i++) {
			int hi = hex_digit(pin[2 * i]), lo = hex_digit(pin[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				conf_err_set(err, sec, "sha256",
					     "[source %s] sha256 = %s: not 64 hex digits", name, pin);
				goto err;
			}
			fmt->sha256[i] = (unsigned char)(hi << 4 | lo);
		}
		fmt->pinned = true;
		fmt->fingerprint = fnv1a(fmt->fingerprint, pin);
	}
	return fmt;
err:
	docformat_free(fmt);
	return NULL;
}

enum docformat_kind
docformat_kind(const struct docformat *fmt)
{
	return fmt->f->kind;
}

uint64_t
docformat_fingerprint(const struct docformat *fmt)
{
	return fmt->fingerprint;
}

int
docformat_parse(const struct docformat *fmt, const char *name, const char *buf, size_t len,
		bool allow_empty, struct pset *out, struct err *err)
{
	if (fmt->pinned) {
		unsigned char got[crypto_hash_sha256_BYTES];
		char got_hex[2 * sizeof got + 1];

		crypto_hash_sha256(got, (const unsigned char *)buf, len);
		if (sodium_memcmp(got, fmt->sha256, sizeof got) != 0) {
			sodium_bin2hex(got_hex, sizeof got_hex, got, sizeof got);
			return err_set(err, "sha256 %s does not match the pinned sha256", got_hex);
		}
	}
	if (looks_like_html(buf, len))
		return err_set(err, "looks like an HTML page, not a %s", fmt->f->what);
	return fmt->f->parse(fmt, name, buf, len, allow_empty, out, err);
}

int
docformat_parse_file(const struct docformat *fmt, const char *path, uint64_t max_body,
		     bool allow_empty, struct pset *out, struct err *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, rc = -1;

	if (fmt->f->parse_file && !fmt->pinned)
		return fmt->f->parse_file(path, out, err);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(err, "%s", strerror(errno));
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		err_set(err, "not a regular file");
		goto out;
	}
	/* The size may change while we read: read to EOF, bounded. */
	cap = (uint64_t)sb.st_size < max_body ? (size_t)sb.st_size + 1 : (size_t)max_body + 1;
	if (!(buf = malloc(cap + 1))) {
		err_set(err, "out of memory");
		goto out;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (len > max_body) {
				err_set(err, "larger than max_body (%llu bytes)",
					(unsigned long long)max_body);
				goto out;
			}
			cap = cap * 2 > max_body + 1 ? (size_t)max_body + 1 : cap * 2;
			if (!(nb = realloc(buf, cap + 1))) {
				err_set(err, "out of memory");
				goto out;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err_errno(err, errno, "read");
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	if (len > max_body) {
		err_set(err, "larger than max_body (%llu bytes)", (unsigned long long)max_body);
		goto out;
	}
	buf[len] = '\0';
	rc = docformat_parse(fmt, path, buf, len, allow_empty, out, err);
out:
	free(buf);
	close(fd);
	return rc;
}
