/* url — redaction of URLs and their origin; see url.h. */
#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
scheme_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '-' || c == '.';
}

/* Where the authority starts (after "scheme://"), or NULL. */
static const char *
authority(const char *url)
{
	const char *p = strstr(url, "://");

	if (!p || p == url)
		return NULL;
	for (const char *s = url; s < p; s++)
		if (!scheme_char(*s))
			return NULL;
	return p + 3;
}

static size_t
authority_len(const char *a)
{
	return strcspn(a, "/?#");
}

bool
url_has_userinfo(const char *url)
{
	const char *a = authority(url);

	return a && memchr(a, '@', authority_len(a)) != NULL;
}

bool
url_same_origin(const char *a, const char *b)
{
	const char *pa = authority(a), *pb = authority(b);
	size_t na, nb;

	if (!pa || !pb || pa - a != pb - b || strncasecmp(a, b, (size_t)(pa - a)) != 0)
		return false;
	na = authority_len(pa);
	nb = authority_len(pb);
	return na == nb && strncasecmp(pa, pb, na) == 0;
}

struct out {
	char *buf;
	size_t n, len;
};

static void
put(struct out *o, const char *s, size_t k)
{
	for (size_t i = 0; i < k && o->len + 1 < o->n; i++)
		o->buf[o->len++] = s[i];
	o->buf[o->len] = '\0';
}

/* Redact the first `len` bytes of url into o. */
static void
redact(const char *url, size_t len, struct out *o)
{
	const char *end = url + len, *p = url, *a = authority(url), *at;
	char *copy = NULL;

	/* authority() reads up to a NUL: look at a bounded copy. */
	if (a && (size_t)(a - url) <= len) {
		size_t alen;

		if ((copy = strndup(a, (size_t)(end - a)))) {
			alen = authority_len(copy);
			if ((at = memchr(copy, '@', alen))) {
				put(o, url, (size_t)(a - url));
				put(o, URL_REDACTED, strlen(URL_REDACTED));
				p = a + (at - copy);
			}
			free(copy);
		}
	}
	const char *q = memchr(p, '?', (size_t)(end - p));
	const char *frag = memchr(p, '#', (size_t)(end - p));
	if (!q || (frag && frag < q)) {
		put(o, p, (size_t)(end - p));
		return;
	}
	put(o, p, (size_t)(q + 1 - p));
	const char *qend = frag ? frag : end;
	for (const char *s = q + 1; s < qend;) {
		const char *amp = memchr(s, '&', (size_t)(qend - s));
		const char *pe = amp ? amp : qend, *eq = memchr(s, '=', (size_t)(pe - s));

		if (pe > s) {
			if (eq) {
				put(o, s, (size_t)(eq + 1 - s));
				if (pe > eq + 1)
					put(o, URL_REDACTED, strlen(URL_REDACTED));
			} else {
				put(o, URL_REDACTED, strlen(URL_REDACTED));
			}
		}
		if (amp)
			put(o, "&", 1);
		s = amp ? amp + 1 : qend;
	}
	put(o, qend, (size_t)(end - qend));
}

char *
url_redact(const char *url, char *buf, size_t n)
{
	struct out o = {.buf = buf, .n = n};

	if (n == 0)
		return buf;
	buf[0] = '\0';
	redact(url, strlen(url), &o);
	return buf;
}

static bool
url_char(char c)
{
	return (unsigned char)c > 0x20 && c != 0x7f && c != '"' && c != '\'' && c != '<' &&
	       c != '>';
}

void
url_redact_text(char *msg, size_t n)
{
	char *copy = strdup(msg);
	struct out o = {.buf = msg, .n = n};
	const char *s, *start;

	if (!copy || n == 0) {
		/* No memory to work in: hide the whole text rather than a secret. */
		if (!copy && n > 0 && strstr(msg, "://"))
			snprintf(msg, n, "(message withheld: out of memory)");
		free(copy);
		return;
	}
	msg[0] = '\0';
	for (s = copy; *s;) {
		const char *sep = strstr(s, "://");

		if (!sep) {
			put(&o, s, strlen(s));
			break;
		}
		/* Back to the start of the scheme. */
		start = sep;
		while (start > s && scheme_char(start[-1]))
			start--;
		put(&o, s, (size_t)(start - s));
		const char *e = sep + 3;
		while (*e && url_char(*e))
			e++;
		/* A sentence's punctuation after a URL is not part of it. */
		while (e > sep + 3 && strchr("),;:.", e[-1]))
			e--;
		redact(start, (size_t)(e - start), &o);
		s = e;
	}
	free(copy);
}
