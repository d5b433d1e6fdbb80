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

struct docformat {
	enum docformat_kind kind;
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
	if (!format)
		fmt->kind = nsel ? DOCFORMAT_JSON : DOCFORMAT_TEXT;
	else if (strcmp(format, "text") == 0)
		fmt->kind = DOCFORMAT_TEXT;
	else if (strcmp(format, "json") == 0)
		fmt->kind = DOCFORMAT_JSON;
	else if (strcmp(format, "allowsync") == 0)
		fmt->kind = DOCFORMAT_ALLOWSYNC;
	else {
		conf_err_set(err, sec, "format",
			     "[source %s] format = %s: not text, json or allowsync", name, format);
		goto err;
	}
	if (fmt->kind != DOCFORMAT_JSON && nsel) {
		conf_err_set(err, sec, "select", "[source %s] select needs format = json", name);
		goto err;
	}
	if (fmt->kind == DOCFORMAT_JSON && !nsel) {
		conf_err_set(err, sec, "format",
			     "[source %s] format = json needs at least one select = JSONPATH", name);
		goto err;
	}
	fmt->fingerprint = fnv1a(0xcbf29ce484222325ULL, fmt->kind == DOCFORMAT_JSON ? "json" : "text");
	if (fmt->kind == DOCFORMAT_ALLOWSYNC) {
		if (!(fmt->tags = conf_get_words(sec, "tags", &fmt->ntags))) {
			conf_err_set(err, sec, "tags", "out of memory");
			goto err;
		}
		fmt->fingerprint = fnv1a(fmt->fingerprint, "allowsync");
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
	return fmt->kind;
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
		return err_set(err, "looks like an HTML page, not a %s",
			       fmt->kind == DOCFORMAT_TEXT ? "list" : "JSON document");
	if (fmt->kind == DOCFORMAT_ALLOWSYNC)
		return pubdoc_parse_doc(buf, len, (const char *const *)fmt->tags, fmt->ntags,
					allow_empty, out, err);
	if (fmt->kind == DOCFORMAT_JSON)
		return parse_json_buf(name, buf, len, fmt->sel, fmt->nsel, allow_empty, out, err);
	return parse_text_buf(name, buf, len, out, err);
}

int
docformat_parse_file(const struct docformat *fmt, const char *path, uint64_t max_body,
		     bool allow_empty, struct pset *out, struct err *err)
{
	struct stat sb;
	char *buf = NULL;
	size_t len = 0, cap;
	int fd, rc = -1;

	if (fmt->kind == DOCFORMAT_TEXT && !fmt->pinned)
		return parse_text_file(path, out, err);
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
