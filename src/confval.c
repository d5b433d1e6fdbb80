/* confval — configuration values: strict parsers and the typed getters
 * built on them (see confval.h). */
#include "confval.h"

#include "confkv.h"
#include "pfx.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* --------------------------------------------------------------- parsers */

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

const char *
conf_parse_count(const char *s, int bits, u128 *v)
{
	u128 x = 0, max = bits >= 128 ? ~(u128)0 : ((u128)1 << bits);
	uint64_t len;
	int nd = 0;

	if (!s || !*s)
		return "empty value";
	if (*s == '/') {
		if (conf_parse_uint(s + 1, (uint64_t)bits, &len))
			return "not a prefix length of the family (e.g. /5)";
		*v = bits - (int)len >= 128 ? ~(u128)0 : (u128)1 << (bits - (int)len);
		return NULL;
	}
	for (const char *p = s; *p; p++) {
		if ((*p == ',' || *p == '_') && nd > 0 && p[1] >= '0' && p[1] <= '9')
			continue;
		if (*p < '0' || *p > '9')
			return "not a number of addresses (e.g. 134217728 or /5)";
		if (x > (max - (u128)(*p - '0')) / 10)
			return "more addresses than the family has";
		x = x * 10 + (u128)(*p - '0');
		nd++;
	}
	*v = x;
	return NULL;
}

const char *
conf_parse_factor(const char *s, unsigned *v)
{
	char digits[16];
	size_t len = s ? strlen(s) : 0;
	uint64_t x;

	if (len && (s[len - 1] == 'x' || s[len - 1] == 'X'))
		len--;
	if (len == 0 || len >= sizeof digits)
		return "not a factor (e.g. 10x)";
	memcpy(digits, s, len);
	digits[len] = 0;
	if (conf_parse_uint(digits, 1000000, &x))
		return "not a factor between 1x and 1000000x (0 for no limit)";
	*v = (unsigned)x;
	return NULL;
}

/* ---------------------------------------------------------- typed values */

/* Every getter words its refusal here, the same for every key. */
static int
bad_value(const struct conf_section *sec, const char *key, const char *s, const char *reason,
	  struct err *err)
{
	if (!reason)
		return 0;
	conf_err_set(err, sec, key, "%s = %s: %s", key, s, reason);
	return -1;
}

int
conf_get_duration(const struct conf_section *sec, const char *key, uint64_t *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_duration(s, v), err) : 0;
}

int
conf_get_size(const struct conf_section *sec, const char *key, uint64_t *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_size(s, v), err) : 0;
}

int
conf_get_bool(const struct conf_section *sec, const char *key, bool *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_bool(s, v), err) : 0;
}

int
conf_get_percent(const struct conf_section *sec, const char *key, unsigned *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_percent(s, v), err) : 0;
}

int
conf_get_uint(const struct conf_section *sec, const char *key, uint64_t max, uint64_t *v,
	      struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_uint(s, max, v), err) : 0;
}

int
conf_get_count(const struct conf_section *sec, const char *key, int bits, u128 *v,
	       struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_count(s, bits, v), err) : 0;
}

int
conf_get_factor(const struct conf_section *sec, const char *key, unsigned *v, struct err *err)
{
	const char *s = conf_get(sec, key);
	return s ? bad_value(sec, key, s, conf_parse_factor(s, v), err) : 0;
}

/* ----------------------------------------------------------------- lists */

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

int
conf_get_prefixes(const struct conf_section *sec, const char *key, const char *what,
		  struct pset *set, struct err *err)
{
	const struct conf_kv *kv = conf_get_kv(sec, key);

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
				conf_err_file(err, sec->file, line, "[%s] %s: \"%.*s\": %s", what,
					      key, (int)len, p, err->msg);
				return -1;
			}
			if (pset_add_pfx(set, &x) < 0) {
				conf_err_file(err, sec->file, line, "out of memory");
				return -1;
			}
			p += len;
		}
	}
	if (pset_merge(set) < 0) {
		conf_err_file(err, sec->file, sec->line, "out of memory");
		return -1;
	}
	return 0;
}
