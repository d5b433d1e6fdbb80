/* jsonpath — RFC 9535 JSONPath: a recursive-descent compiler to a small
 * tree, and an evaluator that walks segments depth-first.
 *
 * Depth-first evaluation (apply segment i to one node, hand each result
 * to segment i+1) yields exactly the RFC's nodelist order, because a
 * segment's result is the concatenation, in input order, of its results
 * per input node.  So no intermediate nodelists are built and existence
 * tests stop at the first hit.
 */
#include "jsonpath.h"

#include <cjson/cJSON.h>

#include <regex.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Nesting of filters, parentheses and function calls in one query: a
 * configuration value never needs more, and it bounds the recursion. */
#define MAX_NEST 64
/* I-JSON integer range (RFC 9535 2.1). */
#define IJSON_MAX 9007199254740991LL

enum sel_kind { SEL_NAME, SEL_WILD, SEL_INDEX, SEL_SLICE, SEL_FILTER };

struct expr;

struct selector {
	enum sel_kind kind;
	char *name;  /* SEL_NAME */
	bool name_nul; /* the name holds U+0000: no cJSON key can match it */
	int64_t index; /* SEL_INDEX */
	int64_t start, end, step; /* SEL_SLICE */
	bool has_start, has_end;
	struct expr *filter; /* SEL_FILTER */
};

struct segment {
	bool descendant;
	size_t nsel;
	struct selector *sel;
};

struct query {
	bool absolute; /* $… rather than @… */
	size_t nseg;
	struct segment *seg;
};

enum expr_kind {
	EX_OR,
	EX_AND,
	EX_NOT,
	EX_CMP,
	EX_QUERY,   /* existence test, nodes argument, or singular value */
	EX_LITERAL,
	EX_FUNC,
};

enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum fn_id { FN_LENGTH, FN_COUNT, FN_MATCH, FN_SEARCH, FN_VALUE };
enum fn_type { T_VALUE, T_LOGICAL, T_NODES };

struct expr {
	enum expr_kind kind;
	enum cmp_op op;
	struct expr *a, *b; /* operands; a only for EX_NOT */
	struct query *q;
	cJSON *lit;
	enum fn_id fn;
	struct expr *args[2];
	regex_t *re; /* match/search with a literal pattern: compiled once */
	bool re_bad; /* that literal pattern does not compile */
};

struct jsonpath {
	char *text;
	struct query *q;
};

static const struct {
	const char *name;
	enum fn_id id;
	size_t nargs;
	enum fn_type params[2];
	enum fn_type result;
} functions[] = {
	{"length", FN_LENGTH, 1, {T_VALUE, T_VALUE}, T_VALUE},
	{"count", FN_COUNT, 1, {T_NODES, T_NODES}, T_VALUE},
	{"match", FN_MATCH, 2, {T_VALUE, T_VALUE}, T_LOGICAL},
	{"search", FN_SEARCH, 2, {T_VALUE, T_VALUE}, T_LOGICAL},
	{"value", FN_VALUE, 1, {T_NODES, T_NODES}, T_VALUE},
};

/* ---------------------------------------------------------------- free */

static void query_free(struct query *q);

static void
expr_free(struct expr *e)
{
	if (!e)
		return;
	expr_free(e->a);
	expr_free(e->b);
	expr_free(e->args[0]);
	expr_free(e->args[1]);
	query_free(e->q);
	cJSON_Delete(e->lit);
	if (e->re) {
		regfree(e->re);
		free(e->re);
	}
	free(e);
}

static void
query_free(struct query *q)
{
	if (!q)
		return;
	for (size_t i = 0; i < q->nseg; i++) {
		struct segment *sg = &q->seg[i];
		for (size_t j = 0; j < sg->nsel; j++) {
			free(sg->sel[j].name);
			expr_free(sg->sel[j].filter);
		}
		free(sg->sel);
	}
	free(q->seg);
	free(q);
}

void
jsonpath_free(struct jsonpath *jp)
{
	if (!jp)
		return;
	query_free(jp->q);
	free(jp->text);
	free(jp);
}

const char *
jsonpath_text(const struct jsonpath *jp)
{
	return jp->text;
}

/* -------------------------------------------------------------- parser */

struct parser {
	const char *s;
	size_t n, i;
	struct err *err;
	bool failed;
	int depth;
};

static void fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fail(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	va_start(ap, fmt);
	err_setv(p->err, fmt, ap);
	va_end(ap);
	err_prefix(p->err, "at character %zu", p->i + 1);
}

static void
nomem(struct parser *p)
{
	if (p->failed)
		return;
	p->failed = true;
	err_set(p->err, "out of memory");
}

static int
peek(const struct parser *p)
{
	return p->i < p->n ? (unsigned char)p->s[p->i] : -1;
}

static bool
at(const struct parser *p, const char *tok)
{
	size_t k = strlen(tok);
	return p->n - p->i >= k && memcmp(p->s + p->i, tok, k) == 0;
}

static void
skip_blank(struct parser *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
			       p->s[p->i] == '\r'))
		p->i++;
}

static bool
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool
is_name_first(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
}

static bool
is_name_char(int c)
{
	return is_name_first(c) || is_digit(c);
}

/* A well-formed UTF-8 sequence (no surrogates, no overlongs) of the
 * whole query: the shorthand-name rules rely on it. */
static bool
utf8_valid(const unsigned char *s, size_t n, size_t *bad)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			goto bad;
		if (n - i <= k)
			goto bad;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			goto bad;
		i += k + 1;
	}
	return true;
bad:
	*bad = i;
	return false;
}

static void
put_utf8(char *out, size_t *o, unsigned cp)
{
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xc0 | cp >> 6);
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xe0 | cp >> 12);
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*o)++] = (char)(0xf0 | cp >> 18);
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*o)++] = (char)(0x80 | (cp & 0x3f));
	}
}

static bool
hex4(struct parser *p, unsigned *v)
{
	*v = 0;
	for (int k = 0; k < 4; k++) {
		int c = peek(p);
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else {
			fail(p, "bad \\u escape");
			return false;
		}
		*v = *v << 4 | d;
		p->i++;
	}
	return true;
}

/* string-literal: '…' or "…" with the RFC's escapes.  The result is
 * NUL-terminated; *has_nul says it holds an escaped U+0000. */
static char *
parse_string(struct parser *p, bool *has_nul)
{
	int quote = peek(p);
	size_t start = ++p->i, o = 0;
	char *out;

	*has_nul = false;
	/* Escapes only shrink: the raw length bounds the decoded one. */
	while (p->i < p->n && p->s[p->i] != quote)
		p->i += p->s[p->i] == '\\' ? 2 : 1;
	if (p->i >= p->n) {
		p->i = start - 1;
		fail(p, "unterminated string");
		return NULL;
	}
	out = malloc(p->i - start + 1);
	if (!out) {
		nomem(p);
		return NULL;
	}
	p->i = start;
	while (peek(p) != quote) {
		int c = peek(p);

		if (c < 0x20) {
			fail(p, "control character in string");
			goto err;
		}
		if (c != '\\') {
			out[o++] = (char)c;
			p->i++;
			continue;
		}
		p->i++;
		c = peek(p);
		p->i++;
		switch (c) {
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'n': out[o++] = '\n'; break;
		case 'r': out[o++] = '\r'; break;
		case 't': out[o++] = '\t'; break;
		case '/': out[o++] = '/'; break;
		case '\\': out[o++] = '\\'; break;
		case '\'':
		case '"':
			if (c != quote) {
				p->i--;
				fail(p, "bad escape \\%c", c);
				goto err;
			}
			out[o++] = (char)c;
			break;
		case 'u': {
			unsigned cp, lo;

			if (!hex4(p, &cp))
				goto err;
			if (cp >= 0xdc00 && cp <= 0xdfff) {
				fail(p, "lone low surrogate");
				goto err;
			}
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (!at(p, "\\u")) {
					fail(p, "high surrogate without low surrogate");
					goto err;
				}
				p->i += 2;
				if (!hex4(p, &lo))
					goto err;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(p, "high surrogate without low surrogate");
					goto err;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (cp == 0)
				*has_nul = true;
			/* \uXXXX takes 6 bytes, its UTF-8 at most 3; a pair 12 for 4. */
			put_utf8(out, &o, cp);
			break;
		}
		default:
			p->i--;
			fail(p, "bad escape");
			goto err;
		}
	}
	p->i++;
	out[o] = '\0';
	return out;
err:
	free(out);
	return NULL;
}

/* int = "0" / ["-"] DIGIT1 *DIGIT, within the I-JSON range. */
static bool
parse_int(struct parser *p, int64_t *v)
{
	size_t start = p->i;
	bool neg = false;
	int64_t x = 0;

	if (peek(p) == '-') {
		neg = true;
		p->i++;
	}
	if (!is_digit(peek(p))) {
		fail(p, "expected an integer");
		return false;
	}
	if (peek(p) == '0') {
		p->i++;
		if (neg || is_digit(peek(p))) {
			p->i = start;
			fail(p, "bad integer (leading zero or -0)");
			return false;
		}
		*v = 0;
		return true;
	}
	while (is_digit(peek(p))) {
		x = x * 10 + (peek(p) - '0');
		p->i++;
		if (x > IJSON_MAX) {
			p->i = start;
			fail(p, "integer out of range");
			return false;
		}
	}
	*v = neg ? -x : x;
	return true;
}

static struct query *parse_query(struct parser *p);
static struct expr *parse_or(struct parser *p);

static struct expr *
expr_new(struct parser *p, enum expr_kind kind)
{
	struct expr *e = calloc(1, sizeof *e);

	if (!e)
		nomem(p);
	else
		e->kind = kind;
	return e;
}

static bool
query_singular(const struct query *q)
{
	for (size_t i = 0; i < q->nseg; i++) {
		const struct segment *sg = &q->seg[i];

		if (sg->descendant || sg->nsel != 1 ||
		    (sg->sel[0].kind != SEL_NAME && sg->sel[0].kind != SEL_INDEX))
			return false;
	}
	return true;
}

/* Is there a keyword `kw` here, not followed by a name character? */
static bool
at_word(const struct parser *p, const char *kw)
{
	size_t k = strlen(kw);
	return at(p, kw) && (p->i + k >= p->n || !is_name_char((unsigned char)p->s[p->i + k]));
}

static bool
at_literal(const struct parser *p)
{
	int c = peek(p);
	return c == '-' || is_digit(c) || c == '\'' || c == '"' || at_word(p, "true") ||
	       at_word(p, "false") || at_word(p, "null");
}

/* function-name "(" — lowercase, digits, underscores. */
static bool
at_function(const struct parser *p)
{
	size_t j = p->i;

	if (j >= p->n || p->s[j] < 'a' || p->s[j] > 'z')
		return false;
	while (j < p->n && ((p->s[j] >= 'a' && p->s[j] <= 'z') || p->s[j] == '_' ||
			    is_digit((unsigned char)p->s[j])))
		j++;
	return j < p->n && p->s[j] == '(';
}

/* A JSON number (RFC 8259, plus "-0"). */
static struct expr *
parse_number(struct parser *p)
{
	size_t start = p->i;
	char buf[64];
	struct expr *e;

	if (peek(p) == '-')
		p->i++;
	if (peek(p) == '0') {
		p->i++;
	} else if (is_digit(peek(p))) {
		while (is_digit(peek(p)))
			p->i++;
	} else {
		fail(p, "bad number");
		return NULL;
	}
	if (peek(p) == '.') {
		p->i++;
		if (!is_digit(peek(p))) {
			fail(p, "bad number: digits expected after '.'");
			return NULL;
		}
		while (is_digit(peek(p)))
			p->i++;
	}
	if (peek(p) == 'e' || peek(p) == 'E') {
		p->i++;
		if (peek(p) == '+' || peek(p) == '-')
			p->i++;
		if (!is_digit(peek(p))) {
			fail(p, "bad number: digits expected in exponent");
			return NULL;
		}
		while (is_digit(peek(p)))
			p->i++;
	}
	if (p->i - start >= sizeof buf) {
		p->i = start;
		fail(p, "number too long");
		return NULL;
	}
	memcpy(buf, p->s + start, p->i - start);
	buf[p->i - start] = '\0';
	if (!(e = expr_new(p, EX_LITERAL)))
		return NULL;
	if (!(e->lit = cJSON_CreateNumber(strtod(buf, NULL)))) {
		free(e);
		nomem(p);
		return NULL;
	}
	return e;
}

static struct expr *
parse_literal(struct parser *p)
{
	struct expr *e;
	int c = peek(p);

	if (c == '-' || is_digit(c))
		return parse_number(p);
	if (!(e = expr_new(p, EX_LITERAL)))
		return NULL;
	if (c == '\'' || c == '"') {
		bool nul;
		char *s = parse_string(p, &nul);

		if (!s) {
			free(e);
			return NULL;
		}
		e->lit = cJSON_CreateString(s);
		free(s);
	} else if (at_word(p, "true")) {
		p->i += 4;
		e->lit = cJSON_CreateTrue();
	} else if (at_word(p, "false")) {
		p->i += 5;
		e->lit = cJSON_CreateFalse();
	} else if (at_word(p, "null")) {
		p->i += 4;
		e->lit = cJSON_CreateNull();
	} else {
		free(e);
		fail(p, "expected a literal");
		return NULL;
	}
	if (!e->lit) {
		free(e);
		nomem(p);
		return NULL;
	}
	return e;
}

/* Does one function argument fit its declared parameter type
 * (RFC 9535 2.4.3)? */
static bool
arg_fits(const struct expr *arg, enum fn_type param, enum fn_type argtype)
{
	switch (param) {
	case T_VALUE:
		return arg->kind == EX_LITERAL || (arg->kind == EX_QUERY && query_singular(arg->q)) ||
		       (arg->kind == EX_FUNC && argtype == T_VALUE);
	case T_NODES:
		return arg->kind == EX_QUERY || (arg->kind == EX_FUNC && argtype == T_NODES);
	case T_LOGICAL:
		return true;
	}
	return false;
}

static struct expr *parse_function(struct parser *p, enum fn_type *type);

/* One function argument: literal, query, function or logical-expr. */
static struct expr *
parse_arg(struct parser *p, enum fn_type *type)
{
	if (at_function(p))
		return parse_function(p, type);
	*type = T_VALUE;
	if (at_literal(p)) {
		size_t save = p->i;
		struct expr *e = parse_literal(p);

		/* A literal followed by a comparison is a logical-expr. */
		if (e) {
			size_t after = p->i;

			skip_blank(p);
			if (at(p, "==") || at(p, "!=") || at(p, "<") || at(p, ">")) {
				expr_free(e);
				p->i = save;
				*type = T_LOGICAL;
				return parse_or(p);
			}
			p->i = after;
		}
		return e;
	}
	if (peek(p) == '@' || peek(p) == '$') {
		size_t save = p->i, after;
		struct query *q = parse_query(p);
		struct expr *e;

		if (!q)
			return NULL;
		after = p->i;
		skip_blank(p);
		if (at(p, "==") || at(p, "!=") || at(p, "<") || at(p, ">") || at(p, "&&") ||
		    at(p, "||")) {
			query_free(q);
			p->i = save;
			*type = T_LOGICAL;
			return parse_or(p);
		}
		p->i = after;
		if (!(e = expr_new(p, EX_QUERY))) {
			query_free(q);
			return NULL;
		}
		e->q = q;
		*type = T_NODES;
		return e;
	}
	*type = T_LOGICAL;
	return parse_or(p);
}

/* I-Regexp (RFC 9485) to a POSIX extended regular expression over
 * UTF-8 bytes (the C locale).  `.` becomes "one character but CR or LF"
 * spelled in bytes; a multi-byte character becomes a group so that a
 * quantifier applies to all of it; `^` and `$` stay anchors, as the
 * compliance suite expects.  Unsupported (\p{…} classes, non-ASCII ranges, negated
 * classes with non-ASCII members) or invalid: NULL, and the function is
 * then false. */
#define ERE_DOT "([^\n\r\x80-\xff]|[\xc0-\xff][\x80-\xbf]*)"
#define ERE_NOT_ASCII "[\xc0-\xff][\x80-\xbf]*"

struct ere {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void
ere_put(struct ere *e, const char *s, size_t n)
{
	if (e->oom)
		return;
	if (e->len + n + 1 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 64;
		char *nb;

		while (cap < e->len + n + 1)
			cap *= 2;
		if (!(nb = realloc(e->buf, cap))) {
			e->oom = true;
			return;
		}
		e->buf = nb;
		e->cap = cap;
	}
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

static void
ere_str(struct ere *e, const char *s)
{
	ere_put(e, s, strlen(s));
}

/* Length of the UTF-8 sequence starting with byte c (the query text was
 * validated, and so were the document's strings). */
static size_t
u8len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/* One class member or escape: its character, or false when unsupported. */
static bool
re_char(const char *s, size_t *i, const char **start, size_t *n)
{
	if (s[*i] == '\\') {
		static const char esc[] = "()*+-.?[\\]^{|}";
		char c = s[*i + 1];

		if (c && strchr(esc, c)) {
			*start = s + *i + 1;
			*n = 1;
		} else if (c == 'n') {
			*start = "\n";
			*n = 1;
		} else if (c == 'r') {
			*start = "\r";
			*n = 1;
		} else if (c == 't') {
			*start = "\t";
			*n = 1;
		} else {
			return false; /* \p{…}, \P{…}, or not an I-Regexp escape */
		}
		*i += 2;
		return true;
	}
	*start = s + *i;
	*n = u8len((unsigned char)s[*i]);
	*i += *n;
	return true;
}

/* [...] from s[*i] == '['. */
static bool
re_class(struct ere *e, const char *s, size_t *i)
{
	bool ascii[128] = {false}, neg = false, any = false;
	struct ere multi = {0};

	(*i)++;
	if (s[*i] == '^') {
		neg = true;
		(*i)++;
	}
	while (s[*i] != ']') {
		const char *a, *b;
		size_t na, nb;

		if (!s[*i] || s[*i] == '[')
			goto bad;
		if (s[*i] == '-' && s[*i + 1] != ']' && any && s[*i - 1] != '[')
			goto bad; /* '-' only first or last */
		if (!re_char(s, i, &a, &na))
			goto bad;
		any = true;
		if (s[*i] == '-' && s[*i + 1] != ']' && s[*i + 1]) {
			(*i)++;
			if (!re_char(s, i, &b, &nb))
				goto bad;
			if (na != 1 || nb != 1 || (unsigned char)*b < (unsigned char)*a)
				goto bad; /* non-ASCII ranges: unsupported */
			for (unsigned c = (unsigned char)*a; c <= (unsigned char)*b; c++)
				ascii[c] = true;
		} else if (na == 1) {
			ascii[(unsigned char)*a] = true;
		} else {
			if (neg)
				goto bad;
			ere_str(&multi, "|");
			ere_put(&multi, a, na);
		}
	}
	(*i)++;
	{
		/* POSIX brackets: ']' first, '^' not first, '-' last. */
		char br[300];
		size_t k = 0;
		bool has = false;

		br[k++] = '[';
		if (neg)
			br[k++] = '^';
		if (ascii[']'])
			br[k++] = ']';
		for (unsigned c = 1; c < 128; c++)
			if (ascii[c] && c != ']' && c != '^' && c != '-')
				br[k++] = (char)c;
		if (ascii['^'])
			br[k++] = '^';
		for (unsigned c = 1; c < 128; c++)
			has |= ascii[c];
		if (neg) {
			br[k++] = '\x80';
			br[k++] = '-';
			br[k++] = '\xff';
		}
		if (ascii['-'])
			br[k++] = '-';
		br[k++] = ']';
		br[k] = '\0';
		ere_str(e, "(");
		if (has || neg)
			ere_str(e, br);
		else
			ere_str(e, "[^\x01-\xff]"); /* matches nothing */
		if (neg)
			ere_str(e, "|" ERE_NOT_ASCII);
		if (multi.buf)
			ere_str(e, multi.buf);
		ere_str(e, ")");
	}
	free(multi.buf);
	return true;
bad:
	free(multi.buf);
	return false;
}

static char *
iregexp_to_ere(const char *s, bool anchored)
{
	struct ere e = {0};
	size_t i = 0;

	ere_str(&e, anchored ? "^(" : "(");
	while (s[i]) {
		unsigned char c = (unsigned char)s[i];
		const char *a;
		size_t n;

		if (c == '.') {
			ere_str(&e, ERE_DOT);
			i++;
		} else if (c == '\\') {
			if (!re_char(s, &i, &a, &n))
				goto bad;
			/* Escaped characters as one-member brackets, except the
			 * two that cannot be bracketed simply. */
			if (*a == '^')
				ere_str(&e, "\\^");
			else if (*a == '\\')
				ere_str(&e, "[\\]");
			else if (*a == '\n' || *a == '\r' || *a == '\t' || *a == '-')
				ere_put(&e, a, 1);
			else {
				ere_str(&e, "[");
				ere_put(&e, a, 1);
				ere_str(&e, "]");
			}
		} else if (c == '[') {
			if (!re_class(&e, s, &i))
				goto bad;
		} else if (c >= 0x80) {
			n = u8len(c);
			ere_str(&e, "(");
			ere_put(&e, s + i, n);
			ere_str(&e, ")");
			i += n;
		} else if (c == '{') {
			/* Quantifier {n}, {n,}, {n,m}: copied as is. */
			size_t j = i + 1;

			while (s[j] && (is_digit((unsigned char)s[j]) || s[j] == ','))
				j++;
			if (s[j] != '}' || j == i + 1 || !is_digit((unsigned char)s[i + 1]))
				goto bad;
			ere_put(&e, s + i, j + 1 - i);
			i = j + 1;
		} else if (c == ']' || c == '}') {
			goto bad;
		} else {
			ere_put(&e, s + i, 1);
			i++;
		}
	}
	ere_str(&e, anchored ? ")$" : ")");
	if (e.oom)
		goto bad;
	return e.buf;
bad:
	free(e.buf);
	return NULL;
}

static regex_t *
compile_regex(const char *pat, bool anchored)
{
	regex_t *re = malloc(sizeof *re);
	char *ere = iregexp_to_ere(pat, anchored);
	int rc;

	if (!re || !ere) {
		free(re);
		free(ere);
		return NULL;
	}
	rc = regcomp(re, ere, REG_EXTENDED | REG_NOSUB);
	free(ere);
	if (rc != 0) {
		free(re);
		return NULL;
	}
	return re;
}

static struct expr *
parse_function(struct parser *p, enum fn_type *type)
{
	size_t start = p->i, k, nf = sizeof functions / sizeof functions[0];
	struct expr *e;
	size_t fi;

	while (peek(p) != '(')
		p->i++;
	k = p->i - start;
	for (fi = 0; fi < nf; fi++)
		if (strlen(functions[fi].name) == k && memcmp(functions[fi].name, p->s + start, k) == 0)
			break;
	if (fi == nf) {
		p->i = start;
		fail(p, "unknown function %.*s()", (int)k, p->s + start);
		return NULL;
	}
	if (++p->depth > MAX_NEST) {
		fail(p, "nested too deeply");
		return NULL;
	}
	if (!(e = expr_new(p, EX_FUNC)))
		return NULL;
	e->fn = functions[fi].id;
	p->i++;
	for (size_t a = 0; a < functions[fi].nargs; a++) {
		enum fn_type at_type;
		size_t arg_at;

		skip_blank(p);
		if (a > 0) {
			if (peek(p) != ',') {
				fail(p, "%s() takes %zu arguments", functions[fi].name,
				     functions[fi].nargs);
				goto err;
			}
			p->i++;
			skip_blank(p);
		}
		arg_at = p->i;
		if (!(e->args[a] = parse_arg(p, &at_type)))
			goto err;
		if (!arg_fits(e->args[a], functions[fi].params[a], at_type)) {
			p->i = arg_at;
			fail(p, "%s(): argument %zu must be %s", functions[fi].name, a + 1,
			     functions[fi].params[a] == T_NODES ? "a query"
								: "a literal, singular query or value function");
			goto err;
		}
	}
	skip_blank(p);
	if (peek(p) != ')') {
		fail(p, "%s() takes %zu argument%s", functions[fi].name, functions[fi].nargs,
		     functions[fi].nargs == 1 ? "" : "s");
		goto err;
	}
	p->i++;
	if ((e->fn == FN_MATCH || e->fn == FN_SEARCH) && e->args[1]->kind == EX_LITERAL &&
	    cJSON_IsString(e->args[1]->lit)) {
		e->re = compile_regex(e->args[1]->lit->valuestring, e->fn == FN_MATCH);
		/* An invalid pattern makes the function false (RFC 9535 2.4.6). */
		e->re_bad = !e->re;
	}
	p->depth--;
	*type = functions[fi].result;
	return e;
err:
	expr_free(e);
	return NULL;
}

static bool
parse_op(struct parser *p, enum cmp_op *op)
{
	static const struct {
		const char *tok;
		enum cmp_op op;
	} ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<=", OP_LE}, {">=", OP_GE}, {"<", OP_LT}, {">", OP_GT}};

	for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++)
		if (at(p, ops[k].tok)) {
			p->i += strlen(ops[k].tok);
			*op = ops[k].op;
			return true;
		}
	return false;
}

/* comparable = literal / singular-query / function-expr (ValueType) */
static struct expr *
parse_comparable(struct parser *p)
{
	size_t start = p->i;

	if (at_literal(p))
		return parse_literal(p);
	if (peek(p) == '@' || peek(p) == '$') {
		struct query *q = parse_query(p);
		struct expr *e;

		if (!q)
			return NULL;
		if (!query_singular(q)) {
			query_free(q);
			p->i = start;
			fail(p, "only a singular query (names and indexes) can be compared");
			return NULL;
		}
		if (!(e = expr_new(p, EX_QUERY))) {
			query_free(q);
			return NULL;
		}
		e->q = q;
		return e;
	}
	if (at_function(p)) {
		enum fn_type t;
		struct expr *e = parse_function(p, &t);

		if (e && t != T_VALUE) {
			expr_free(e);
			p->i = start;
			fail(p, "this function's result cannot be compared");
			return NULL;
		}
		return e;
	}
	fail(p, "expected a literal, a singular query or a function");
	return NULL;
}

static struct expr *
make_cmp(struct parser *p, struct expr *left)
{
	struct expr *e;
	enum cmp_op op;

	skip_blank(p);
	if (!parse_op(p, &op)) {
		expr_free(left);
		fail(p, "expected a comparison operator");
		return NULL;
	}
	skip_blank(p);
	if (!(e = expr_new(p, EX_CMP))) {
		expr_free(left);
		return NULL;
	}
	e->op = op;
	e->a = left;
	if (!(e->b = parse_comparable(p))) {
		expr_free(e);
		return NULL;
	}
	return e;
}

/* test-expr or comparison-expr */
static struct expr *
parse_test_or_cmp(struct parser *p, bool negated)
{
	size_t start = p->i, after;
	enum cmp_op op;
	struct expr *e;

	if (peek(p) == '@' || peek(p) == '$') {
		struct query *q = parse_query(p);

		if (!q)
			return NULL;
		if (!(e = expr_new(p, EX_QUERY))) {
			query_free(q);
			return NULL;
		}
		e->q = q;
		after = p->i;
		skip_blank(p);
		if (!negated && parse_op(p, &op)) {
			p->i = after;
			if (!query_singular(q)) {
				expr_free(e);
				p->i = start;
				fail(p, "only a singular query (names and indexes) can be compared");
				return NULL;
			}
			return make_cmp(p, e);
		}
		p->i = after;
		return e;
	}
	if (at_function(p)) {
		enum fn_type t;

		if (!(e = parse_function(p, &t)))
			return NULL;
		after = p->i;
		skip_blank(p);
		if (!negated && parse_op(p, &op)) {
			p->i = after;
			if (t != T_VALUE) {
				expr_free(e);
				p->i = start;
				fail(p, "this function's result cannot be compared");
				return NULL;
			}
			return make_cmp(p, e);
		}
		p->i = after;
		if (t == T_VALUE) {
			expr_free(e);
			p->i = start;
			fail(p, "a value function must be compared, it is not a test");
			return NULL;
		}
		return e;
	}
	if (!negated && at_literal(p)) {
		if (!(e = parse_literal(p)))
			return NULL;
		return make_cmp(p, e);
	}
	fail(p, "expected a query, a comparison, a function or '('");
	return NULL;
}

static struct expr *
parse_basic(struct parser *p)
{
	struct expr *e, *inner;
	bool neg = false;

	if (++p->depth > MAX_NEST) {
		fail(p, "nested too deeply");
		return NULL;
	}
	if (peek(p) == '!') {
		neg = true;
		p->i++;
		skip_blank(p);
	}
	if (peek(p) == '(') {
		p->i++;
		skip_blank(p);
		if (!(inner = parse_or(p)))
			return NULL;
		skip_blank(p);
		if (peek(p) != ')') {
			expr_free(inner);
			fail(p, "expected ')'");
			return NULL;
		}
		p->i++;
	} else if (!(inner = parse_test_or_cmp(p, neg))) {
		return NULL;
	}
	p->depth--;
	if (!neg)
		return inner;
	if (!(e = expr_new(p, EX_NOT))) {
		expr_free(inner);
		return NULL;
	}
	e->a = inner;
	return e;
}

static struct expr *
parse_binary(struct parser *p, const char *tok, enum expr_kind kind,
	     struct expr *(*operand)(struct parser *))
{
	struct expr *left = operand(p);

	while (left) {
		size_t save = p->i;
		struct expr *e;

		skip_blank(p);
		if (!at(p, tok)) {
			p->i = save;
			break;
		}
		p->i += 2;
		skip_blank(p);
		if (!(e = expr_new(p, kind))) {
			expr_free(left);
			return NULL;
		}
		e->a = left;
		if (!(e->b = operand(p))) {
			expr_free(e);
			return NULL;
		}
		left = e;
	}
	return left;
}

static struct expr *
parse_and(struct parser *p)
{
	return parse_binary(p, "&&", EX_AND, parse_basic);
}

static struct expr *
parse_or(struct parser *p)
{
	return parse_binary(p, "||", EX_OR, parse_and);
}

static bool
sel_push(struct parser *p, struct segment *sg, const struct selector *s)
{
	struct selector *n = realloc(sg->sel, (sg->nsel + 1) * sizeof *n);

	if (!n) {
		nomem(p);
		return false;
	}
	sg->sel = n;
	sg->sel[sg->nsel++] = *s;
	return true;
}

static bool
parse_selector(struct parser *p, struct selector *s)
{
	int c = peek(p);

	memset(s, 0, sizeof *s);
	if (c == '\'' || c == '"') {
		s->kind = SEL_NAME;
		return (s->name = parse_string(p, &s->name_nul)) != NULL;
	}
	if (c == '*') {
		s->kind = SEL_WILD;
		p->i++;
		return true;
	}
	if (c == '?') {
		s->kind = SEL_FILTER;
		p->i++;
		skip_blank(p);
		return (s->filter = parse_or(p)) != NULL;
	}
	if (c == '-' || is_digit(c) || c == ':') {
		int64_t v;
		bool have = false;

		if (c != ':') {
			if (!parse_int(p, &v))
				return false;
			have = true;
		}
		{
			size_t save = p->i;

			skip_blank(p);
			if (peek(p) != ':') {
				p->i = save;
				s->kind = SEL_INDEX;
				s->index = v;
				return true;
			}
		}
		s->kind = SEL_SLICE;
		s->has_start = have;
		s->start = have ? v : 0;
		s->step = 1;
		p->i++;
		skip_blank(p);
		if (peek(p) == '-' || is_digit(peek(p))) {
			if (!parse_int(p, &s->end))
				return false;
			s->has_end = true;
			skip_blank(p);
		}
		if (peek(p) == ':') {
			p->i++;
			skip_blank(p);
			if (peek(p) == '-' || is_digit(peek(p))) {
				if (!parse_int(p, &s->step))
					return false;
			}
		}
		return true;
	}
	fail(p, "expected a selector (name, *, index, slice or ?filter)");
	return false;
}

static void
selector_clear(struct selector *s)
{
	free(s->name);
	expr_free(s->filter);
}

static bool
parse_bracketed(struct parser *p, struct segment *sg)
{
	p->i++; /* '[' */
	for (;;) {
		struct selector s;

		skip_blank(p);
		if (!parse_selector(p, &s)) {
			selector_clear(&s);
			return false;
		}
		if (!sel_push(p, sg, &s)) {
			selector_clear(&s);
			return false;
		}
		skip_blank(p);
		if (peek(p) == ',') {
			p->i++;
			continue;
		}
		if (peek(p) == ']') {
			p->i++;
			return true;
		}
		fail(p, "expected ',' or ']'");
		return false;
	}
}

static bool
parse_shorthand(struct parser *p, struct segment *sg)
{
	struct selector s = {0};

	if (peek(p) == '*') {
		p->i++;
		s.kind = SEL_WILD;
		return sel_push(p, sg, &s);
	}
	if (!is_name_first(peek(p))) {
		fail(p, "expected a member name or '*'");
		return false;
	}
	{
		size_t start = p->i;

		while (is_name_char(peek(p)))
			p->i++;
		s.kind = SEL_NAME;
		if (!(s.name = strndup(p->s + start, p->i - start))) {
			nomem(p);
			return false;
		}
	}
	if (!sel_push(p, sg, &s)) {
		free(s.name);
		return false;
	}
	return true;
}

/* root-identifier / current-node-identifier, then *(S segment). */
static struct query *
parse_query(struct parser *p)
{
	struct query *q = calloc(1, sizeof *q);

	if (!q) {
		nomem(p);
		return NULL;
	}
	q->absolute = peek(p) == '$';
	p->i++;
	for (;;) {
		size_t save = p->i;
		struct segment *ns, *sg;

		skip_blank(p);
		if (peek(p) != '[' && peek(p) != '.') {
			p->i = save;
			break;
		}
		if (!(ns = realloc(q->seg, (q->nseg + 1) * sizeof *ns))) {
			nomem(p);
			goto err;
		}
		q->seg = ns;
		sg = &q->seg[q->nseg++];
		memset(sg, 0, sizeof *sg);
		if (at(p, "..")) {
			sg->descendant = true;
			p->i += 2;
			if (peek(p) == '[') {
				if (!parse_bracketed(p, sg))
					goto err;
			} else if (!parse_shorthand(p, sg)) {
				goto err;
			}
		} else if (peek(p) == '.') {
			p->i++;
			if (!parse_shorthand(p, sg))
				goto err;
		} else if (!parse_bracketed(p, sg)) {
			goto err;
		}
	}
	return q;
err:
	query_free(q);
	return NULL;
}

struct jsonpath *
jsonpath_compile(const char *text, struct err *err)
{
	struct parser p = {.s = text, .n = strlen(text), .err = err};
	struct jsonpath *jp;
	size_t bad;

	if (!utf8_valid((const unsigned char *)text, p.n, &bad)) {
		p.i = bad;
		fail(&p, "invalid UTF-8");
		return NULL;
	}
	if (peek(&p) != '$') {
		fail(&p, "a query starts with '$'");
		return NULL;
	}
	if (!(jp = calloc(1, sizeof *jp)) || !(jp->text = strdup(text))) {
		free(jp);
		nomem(&p);
		return NULL;
	}
	if (!(jp->q = parse_query(&p)))
		goto err;
	if (p.i != p.n) {
		fail(&p, "unexpected '%c'", p.s[p.i]);
		goto err;
	}
	return jp;
err:
	if (!p.failed)
		nomem(&p);
	jsonpath_free(jp);
	return NULL;
}

/* ----------------------------------------------------------- evaluator */

struct ev {
	const cJSON *root;
};

typedef int (*emit_fn)(void *ctx, const cJSON *node);

static int eval_query(const struct ev *ev, const struct query *q, const cJSON *cur,
		      emit_fn fn, void *ctx);
static bool test_expr(const struct ev *ev, const struct expr *e, const cJSON *cur);

static int seg_apply(const struct ev *ev, const struct query *q, size_t i, const cJSON *node,
		     emit_fn fn, void *ctx);

static int
next_seg(const struct ev *ev, const struct query *q, size_t i, const cJSON *node, emit_fn fn,
	 void *ctx)
{
	if (i == q->nseg)
		return fn(ctx, node);
	return seg_apply(ev, q, i, node, fn, ctx);
}

static int
cjson_len(const cJSON *node)
{
	int n = 0;

	for (const cJSON *c = node->child; c; c = c->next)
		n++;
	return n;
}

static int
sel_apply(const struct ev *ev, const struct query *q, size_t i, const struct selector *s,
	  const cJSON *node, emit_fn fn, void *ctx)
{
	const cJSON *c;
	int rc;

	switch (s->kind) {
	case SEL_NAME:
		if (!cJSON_IsObject(node) || s->name_nul)
			return 0;
		/* Every member of that name: cJSON keeps duplicate keys, and
		 * hiding one of them would hide a change in the document. */
		for (c = node->child; c; c = c->next)
			if (c->string && strcmp(c->string, s->name) == 0 &&
			    (rc = next_seg(ev, q, i + 1, c, fn, ctx)))
				return rc;
		return 0;
	case SEL_WILD:
		if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
			return 0;
		for (c = node->child; c; c = c->next)
			if ((rc = next_seg(ev, q, i + 1, c, fn, ctx)))
				return rc;
		return 0;
	case SEL_INDEX: {
		int64_t k = s->index;

		if (!cJSON_IsArray(node))
			return 0;
		if (k < 0)
			k += cjson_len(node);
		if (k < 0)
			return 0;
		for (c = node->child; c && k > 0; c = c->next)
			k--;
		return c ? next_seg(ev, q, i + 1, c, fn, ctx) : 0;
	}
	case SEL_SLICE: {
		int64_t len, lo, hi, start, end;

		if (!cJSON_IsArray(node) || s->step == 0)
			return 0;
		len = cjson_len(node);
		start = s->has_start ? s->start : (s->step > 0 ? 0 : len - 1);
		end = s->has_end ? s->end : (s->step > 0 ? len : -len - 1);
		if (start < 0)
			start += len;
		if (end < 0)
			end += len;
		if (s->step > 0) {
			lo = start < 0 ? 0 : start > len ? len : start;
			hi = end < 0 ? 0 : end > len ? len : end;
			c = node->child;
			for (int64_t k = 0; c && k < lo; k++)
				c = c->next;
			for (int64_t k = lo; c && k < hi; k += s->step) {
				if ((rc = next_seg(ev, q, i + 1, c, fn, ctx)))
					return rc;
				for (int64_t m = 0; c && m < s->step; m++)
					c = c->next;
			}
		} else {
			/* Backwards: arrays are lists, so look each index up. */
			hi = start < -1 ? -1 : start > len - 1 ? len - 1 : start;
			lo = end < -1 ? -1 : end > len - 1 ? len - 1 : end;
			for (int64_t k = hi; k > lo; k += s->step) {
				c = node->child;
				for (int64_t m = 0; c && m < k; m++)
					c = c->next;
				if (c && (rc = next_seg(ev, q, i + 1, c, fn, ctx)))
					return rc;
			}
		}
		return 0;
	}
	case SEL_FILTER:
		if (!cJSON_IsObject(node) && !cJSON_IsArray(node))
			return 0;
		for (c = node->child; c; c = c->next)
			if (test_expr(ev, s->filter, c) && (rc = next_seg(ev, q, i + 1, c, fn, ctx)))
				return rc;
		return 0;
	}
	return 0;
}

static int
sels_apply(const struct ev *ev, const struct query *q, size_t i, const cJSON *node,
	   emit_fn fn, void *ctx)
{
	const struct segment *sg = &q->seg[i];
	int rc;

	for (size_t k = 0; k < sg->nsel; k++)
		if ((rc = sel_apply(ev, q, i, &sg->sel[k], node, fn, ctx)))
			return rc;
	return 0;
}

/* Descendant segment: the node, then its descendants, in document order
 * (a node before its descendants). */
static int
desc_apply(const struct ev *ev, const struct query *q, size_t i, const cJSON *node,
	   emit_fn fn, void *ctx)
{
	int rc;

	if ((rc = sels_apply(ev, q, i, node, fn, ctx)))
		return rc;
	if (cJSON_IsObject(node) || cJSON_IsArray(node))
		for (const cJSON *c = node->child; c; c = c->next)
			if ((rc = desc_apply(ev, q, i, c, fn, ctx)))
				return rc;
	return 0;
}

static int
seg_apply(const struct ev *ev, const struct query *q, size_t i, const cJSON *node, emit_fn fn,
	  void *ctx)
{
	if (q->seg[i].descendant)
		return desc_apply(ev, q, i, node, fn, ctx);
	return sels_apply(ev, q, i, node, fn, ctx);
}

static int
eval_query(const struct ev *ev, const struct query *q, const cJSON *cur, emit_fn fn, void *ctx)
{
	return next_seg(ev, q, 0, q->absolute ? ev->root : cur, fn, ctx);
}

static int
emit_stop(void *ctx, const cJSON *node)
{
	*(const cJSON **)ctx = node;
	return 1;
}

struct counter {
	size_t n;
	size_t limit; /* stop after this many (0 = never) */
	const cJSON *first;
};

static int
emit_count(void *ctx, const cJSON *node)
{
	struct counter *c = ctx;

	if (c->n++ == 0)
		c->first = node;
	return c->limit && c->n >= c->limit;
}

/* A comparable's value: Nothing, a JSON node, or a number computed by a
 * function. */
struct val {
	enum { V_NOTHING, V_NODE, V_NUM } kind;
	const cJSON *node;
	double num;
};

static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static void eval_value(const struct ev *ev, const struct expr *e, const cJSON *cur,
		       struct val *v);

static bool
fn_regex(const struct ev *ev, const struct expr *e, const cJSON *cur)
{
	struct val s, pat;
	regex_t *re = e->re;
	bool ok;

	if (e->re_bad)
		return false;
	eval_value(ev, e->args[0], cur, &s);
	if (s.kind != V_NODE || !cJSON_IsString(s.node))
		return false;
	if (!re) {
		eval_value(ev, e->args[1], cur, &pat);
		if (pat.kind != V_NODE || !cJSON_IsString(pat.node))
			return false;
		if (!(re = compile_regex(pat.node->valuestring, e->fn == FN_MATCH)))
			return false;
	}
	ok = regexec(re, s.node->valuestring, 0, NULL, 0) == 0;
	if (re != e->re) {
		regfree(re);
		free(re);
	}
	return ok;
}

static void
eval_value(const struct ev *ev, const struct expr *e, const cJSON *cur, struct val *v)
{
	struct counter cnt = {0};
	struct val a;

	v->kind = V_NOTHING;
	switch (e->kind) {
	case EX_LITERAL:
		v->kind = V_NODE;
		v->node = e->lit;
		return;
	case EX_QUERY: {
		const cJSON *hit = NULL;

		if (eval_query(ev, e->q, cur, emit_stop, &hit)) {
			v->kind = V_NODE;
			v->node = hit;
		}
		return;
	}
	case EX_FUNC:
		switch (e->fn) {
		case FN_LENGTH:
			eval_value(ev, e->args[0], cur, &a);
			if (a.kind != V_NODE)
				return;
			if (cJSON_IsString(a.node)) {
				v->kind = V_NUM;
				v->num = (double)utf8_chars(a.node->valuestring);
			} else if (cJSON_IsArray(a.node) || cJSON_IsObject(a.node)) {
				v->kind = V_NUM;
				v->num = cjson_len(a.node);
			}
			return;
		case FN_COUNT:
			eval_query(ev, e->args[0]->q, cur, emit_count, &cnt);
			v->kind = V_NUM;
			v->num = (double)cnt.n;
			return;
		case FN_VALUE:
			cnt.limit = 2;
			eval_query(ev, e->args[0]->q, cur, emit_count, &cnt);
			if (cnt.n == 1) {
				v->kind = V_NODE;
				v->node = cnt.first;
			}
			return;
		case FN_MATCH:
		case FN_SEARCH:
			return; /* logical: not a value (the compiler refuses it) */
		}
		return;
	default:
		return;
	}
}

static bool
json_equal(const cJSON *a, const cJSON *b)
{
	int ta = a->type & 0xff, tb = b->type & 0xff;

	if (ta != tb)
		return false;
	switch (ta) {
	case cJSON_False:
	case cJSON_True:
	case cJSON_NULL:
		return true;
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
		return strcmp(a->valuestring, b->valuestring) == 0;
	case cJSON_Array: {
		const cJSON *x = a->child, *y = b->child;

		for (; x && y; x = x->next, y = y->next)
			if (!json_equal(x, y))
				return false;
		return !x && !y;
	}
	case cJSON_Object: {
		if (cjson_len(a) != cjson_len(b))
			return false;
		for (const cJSON *x = a->child; x; x = x->next) {
			const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);

			if (!y || !json_equal(x, y))
				return false;
		}
		return true;
	}
	default:
		return false;
	}
}

static bool
val_number(const struct val *v, double *d)
{
	if (v->kind == V_NUM) {
		*d = v->num;
		return true;
	}
	if (v->kind == V_NODE && cJSON_IsNumber(v->node)) {
		*d = v->node->valuedouble;
		return true;
	}
	return false;
}

static bool
val_eq(const struct val *a, const struct val *b)
{
	double x, y;

	if (a->kind == V_NOTHING || b->kind == V_NOTHING)
		return a->kind == b->kind;
	if (val_number(a, &x) && val_number(b, &y))
		return x == y;
	if (a->kind == V_NODE && b->kind == V_NODE)
		return json_equal(a->node, b->node);
	return false;
}

static bool
val_lt(const struct val *a, const struct val *b)
{
	double x, y;

	if (val_number(a, &x) && val_number(b, &y))
		return x < y;
	/* UTF-8 byte order is Unicode scalar value order. */
	if (a->kind == V_NODE && b->kind == V_NODE && cJSON_IsString(a->node) &&
	    cJSON_IsString(b->node))
		return strcmp(a->node->valuestring, b->node->valuestring) < 0;
	return false;
}

static bool
compare(enum cmp_op op, const struct val *a, const struct val *b)
{
	switch (op) {
	case OP_EQ:
		return val_eq(a, b);
	case OP_NE:
		return !val_eq(a, b);
	case OP_LT:
		return val_lt(a, b);
	case OP_LE:
		return val_lt(a, b) || val_eq(a, b);
	case OP_GT:
		return val_lt(b, a);
	case OP_GE:
		return val_lt(b, a) || val_eq(a, b);
	}
	return false;
}

static bool
test_expr(const struct ev *ev, const struct expr *e, const cJSON *cur)
{
	switch (e->kind) {
	case EX_OR:
		return test_expr(ev, e->a, cur) || test_expr(ev, e->b, cur);
	case EX_AND:
		return test_expr(ev, e->a, cur) && test_expr(ev, e->b, cur);
	case EX_NOT:
		return !test_expr(ev, e->a, cur);
	case EX_CMP: {
		struct val a, b;

		eval_value(ev, e->a, cur, &a);
		eval_value(ev, e->b, cur, &b);
		return compare(e->op, &a, &b);
	}
	case EX_QUERY: {
		const cJSON *hit = NULL;

		return eval_query(ev, e->q, cur, emit_stop, &hit) != 0;
	}
	case EX_FUNC:
		if (e->fn == FN_MATCH || e->fn == FN_SEARCH)
			return fn_regex(ev, e, cur);
		return false;
	case EX_LITERAL:
		return false;
	}
	return false;
}

struct user_emit {
	jsonpath_fn fn;
	void *ctx;
};

static int
emit_user(void *ctx, const cJSON *node)
{
	const struct user_emit *u = ctx;
	return u->fn(u->ctx, node);
}

int
jsonpath_eval(const struct jsonpath *jp, const cJSON *root, jsonpath_fn fn, void *ctx)
{
	struct ev ev = {.root = root};
	struct user_emit u = {fn, ctx};

	if (!root)
		return 0;
	return eval_query(&ev, jp->q, root, emit_user, &u);
}

size_t
jsonpath_count(const struct jsonpath *jp, const cJSON *root)
{
	struct ev ev = {.root = root};
	struct counter c = {0};

	if (root)
		eval_query(&ev, jp->q, root, emit_count, &c);
	return c.n;
}

/* ------------------------------------------------------ normalized path */

struct pathbuf {
	char *buf;
	size_t size, len;
};

static void
pb_put(struct pathbuf *pb, const char *s, size_t n)
{
	if (pb->len < pb->size) {
		size_t room = pb->size - pb->len - 1;
		memcpy(pb->buf + pb->len, s, n < room ? n : room);
		pb->buf[pb->len + (n < room ? n : room)] = '\0';
	}
	pb->len += n;
}

static void
pb_name(struct pathbuf *pb, const char *name)
{
	pb_put(pb, "['", 2);
	for (const char *s = name; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		switch (c) {
		case '\'': pb_put(pb, "\\'", 2); break;
		case '\\': pb_put(pb, "\\\\", 2); break;
		case '\b': pb_put(pb, "\\b", 2); break;
		case '\f': pb_put(pb, "\\f", 2); break;
		case '\n': pb_put(pb, "\\n", 2); break;
		case '\r': pb_put(pb, "\\r", 2); break;
		case '\t': pb_put(pb, "\\t", 2); break;
		default:
			if (c < 0x20) {
				snprintf(esc, sizeof esc, "\\u%04x", c);
				pb_put(pb, esc, 6);
			} else {
				pb_put(pb, s, 1);
			}
		}
	}
	pb_put(pb, "']", 2);
}

/* Depth-first search for `node`; the path is written on the way back,
 * so each level first finds its child, then prepends itself — done by
 * recording the chain and writing it forwards. */
static bool
find_chain(const cJSON *cur, const cJSON *target, const cJSON **chain, size_t depth,
	   size_t max, size_t *len)
{
	if (cur == target) {
		*len = depth;
		return true;
	}
	if (depth == max || (!cJSON_IsArray(cur) && !cJSON_IsObject(cur)))
		return false;
	for (const cJSON *c = cur->child; c; c = c->next) {
		chain[depth] = c;
		if (find_chain(c, target, chain, depth + 1, max, len))
			return true;
	}
	return false;
}

size_t
jsonpath_node_path(const cJSON *root, const cJSON *node, char *buf, size_t size)
{
	/* cJSON refuses documents nested deeper than this anyway. */
	enum { MAX_DEPTH = CJSON_NESTING_LIMIT + 1 };
	const cJSON **chain = malloc(MAX_DEPTH * sizeof *chain);
	struct pathbuf pb = {buf, size, 0};
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	if (!chain || !root || !find_chain(root, node, chain, 0, MAX_DEPTH, &len)) {
		free(chain);
		return 0;
	}
	pb_put(&pb, "$", 1);
	for (size_t d = 0; d < len; d++) {
		const cJSON *parent = d ? chain[d - 1] : root;

		if (cJSON_IsObject(parent)) {
			pb_name(&pb, chain[d]->string ? chain[d]->string : "");
		} else {
			char idx[32];
			size_t k = 0;
			int w;

			for (const cJSON *c = parent->child; c && c != chain[d]; c = c->next)
				k++;
			w = snprintf(idx, sizeof idx, "[%zu]", k);
			pb_put(&pb, idx, (size_t)w);
		}
	}
	free(chain);
	return pb.len;
}
