/* parse_json — strict JSON range documents; see parse_json.h.
 *
 * One pass over the raw bytes refuses what cJSON would accept or mangle
 * (NUL bytes and \u0000 escapes, which cJSON silently truncates strings
 * at; invalid UTF-8, which it passes through) and bounds the nesting
 * before cJSON recurses.  cJSON then parses with the length given and no
 * terminator requirement, and we check what follows the value ourselves,
 * and that no object repeats a member name (check_dups).
 */
#include "parse_json.h"

#include "jsonpath.h"
#include "log.h"
#include "pfx.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdint.h>
#include <sys/mman.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Host-bit warnings per document before they are only counted. */
#define HOST_BITS_WARN_MAX 5

static void
line_col(const char *buf, size_t off, size_t *line, size_t *col)
{
	const char *nl = buf, *p;

	*line = 1;
	for (p = buf; p < buf + off; p++)
		if (*p == '\n') {
			(*line)++;
			nl = p + 1;
		}
	*col = (size_t)(buf + off - nl) + 1;
}

/* Length of the well-formed UTF-8 sequence at s (lead byte >= 0x80),
 * 0 when it is not one (overlong, surrogate, beyond U+10FFFF, cut). */
static size_t
utf8_seq(const unsigned char *s, size_t avail)
{
	unsigned c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return avail >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		if (avail < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0))
			return 0;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (avail < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

/* Bytes the scan must look at; every other byte is skipped in a tight
 * loop (most of a range document is ASCII inside strings or blanks). */
enum { C_PLAIN = 0, C_STOP = 1 };
static const unsigned char stop_in_string[256] = {
	[0] = C_STOP, ['"'] = C_STOP, ['\\'] = C_STOP,
	[0x80 ... 0xff] = C_STOP,
};
static const unsigned char stop_outside[256] = {
	[0] = C_STOP, ['"'] = C_STOP, ['['] = C_STOP, [']'] = C_STOP, ['{'] = C_STOP,
	['}'] = C_STOP, [0x80 ... 0xff] = C_STOP,
};

/* Eight bytes at a time while none of them needs a look (SWAR: a byte
 * equal to c makes (w ^ c) hold a zero byte). */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define HAS_ZERO(x) (((x) - ONES) & ~(x) & HIGHS)

static size_t
skip_string8(const unsigned char *s, size_t i, size_t len)
{
	for (; len - i >= 8; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		if ((w & HIGHS) | HAS_ZERO(w) | HAS_ZERO(w ^ (ONES * '"')) |
		    HAS_ZERO(w ^ (ONES * '\\')))
			break;
	}
	return i;
}

static size_t
skip_outside8(const unsigned char *s, size_t i, size_t len)
{
	for (; len - i >= 8; i += 8) {
		uint64_t w, f;

		memcpy(&w, s + i, 8);
		/* | 0x20 folds '[' onto '{' and ']' onto '}'. */
		f = w | (ONES * 0x20);
		if ((w & HIGHS) | HAS_ZERO(w) | HAS_ZERO(w ^ (ONES * '"')) |
		    HAS_ZERO(f ^ (ONES * '{')) | HAS_ZERO(f ^ (ONES * '}')))
			break;
	}
	return i;
}

static int
prescan(const char *buf, size_t len, struct err *err)
{
	const unsigned char *s = (const unsigned char *)buf;
	size_t i = 0, line, col;
	int depth = 0;
	bool in_str = false;

	for (;;) {
		const unsigned char *stop = in_str ? stop_in_string : stop_outside;
		unsigned c;

		i = in_str ? skip_string8(s, i, len) : skip_outside8(s, i, len);
		while (i < len && !stop[s[i]])
			i++;
		if (i >= len)
			break;
		c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, len - i);

			if (!k) {
				line_col(buf, i, &line, &col);
				return err_set_line(err, line,
						    "column %zu: invalid UTF-8 (byte 0x%02x at offset %zu)",
						    col, c, i);
			}
			i += k;
			continue;
		}
		if (c == 0) {
			line_col(buf, i, &line, &col);
			return err_set_line(err, line, "column %zu: NUL byte at offset %zu", col,
					    i);
		}
		if (in_str) {
			if (c == '"') {
				in_str = false;
			} else if (c == '\\' && i + 1 < len) {
				if (s[i + 1] == 0 ||
				    (len - i >= 6 && memcmp(s + i + 1, "u0000", 5) == 0)) {
					line_col(buf, i, &line, &col);
					return err_set_line(err, line,
							    "column %zu: NUL character in a string",
							    col);
				}
				/* Escaped character: ASCII in valid JSON; a non-ASCII byte
				 * here is caught as invalid UTF-8 or by cJSON. */
				if (s[i + 1] < 0x80) {
					i += 2;
					continue;
				}
			}
		} else if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > PARSE_JSON_MAX_DEPTH) {
				line_col(buf, i, &line, &col);
				return err_set_line(err, line,
						    "column %zu: nested deeper than %d levels", col,
						    PARSE_JSON_MAX_DEPTH);
			}
		} else {
			depth--;
		}
		i++;
	}
	return 0;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* cJSON allocates every node and string with malloc; for a 60,000-entry
 * document that is most of the parse time, and as much again to free.
 * The tree is instead carved out of a few large chunks and dropped in one
 * go.  cJSON's hooks take no context, so the arena in use is the one
 * piece of mutable global state here: set only for the duration of one
 * cJSON_ParseWithLengthOpts call (the program is single-threaded), and
 * the default hooks are restored right after. */
#define ARENA_MIN (64u << 10)
#define ARENA_MAX (64u << 20)
#define HUGE_PAGE (2u << 20)

struct chunk {
	struct chunk *next;
	void *map; /* the mapping the chunk sits in */
	size_t maplen;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t next_size; /* of the next chunk; the first is sized from the document */
	bool oom;
};

/* The arena of the document this thread is parsing, NULL when none: the
 * cJSON hooks are global, so they are installed once (json_hooks_install)
 * and route each allocation by the calling thread's parse — sources are
 * collected on threads of their own (parallel.h). */
static _Thread_local struct arena *cur_arena;

/* Chunks of 2 MiB or more are aligned to and advised for transparent
 * huge pages where the system allows them on request: the tree of a
 * 60,000-entry document otherwise costs some two thousand page faults,
 * a tenth of the whole run. */
static struct chunk *
chunk_new(size_t size)
{
	size_t want = sizeof(struct chunk) + size;
	bool huge = want >= HUGE_PAGE;
	size_t total = want + (huge ? HUGE_PAGE : 0);
	unsigned char *m, *at;
	struct chunk *c;

	m = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	at = m;
	if (huge) {
		at = (unsigned char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
		(void)madvise(at, want, MADV_HUGEPAGE); /* advice only: fine if refused */
	}
	c = (struct chunk *)(void *)at;
	c->next = NULL;
	c->map = m;
	c->maplen = total;
	c->used = 0;
	c->size = size;
	return c;
}

static void *
arena_alloc(size_t n)
{
	struct arena *a = cur_arena;
	struct chunk *c = a->head;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->size - c->used < n) {
		size_t size = a->next_size > n ? a->next_size : n;

		if (!(c = chunk_new(size))) {
			a->oom = true;
			return NULL;
		}
		c->next = a->head;
		a->head = c;
		a->next_size = size < ARENA_MAX ? 2 * size : size;
	}
	c->used += n;
	return c->data + c->used - n;
}

static void *
json_alloc(size_t n)
{
	return cur_arena ? arena_alloc(n) : malloc(n);
}

static void
json_free(void *p)
{
	if (!cur_arena) /* else freed with the arena */
		free(p);
}

/* Before main, while there is one thread: every later cJSON call, in
 * any module and thread, goes through the two functions above. */
__attribute__((constructor)) static void
json_hooks_install(void)
{
	cJSON_InitHooks(&(cJSON_Hooks){.malloc_fn = json_alloc, .free_fn = json_free});
}

static void
arena_free(struct arena *a)
{
	while (a->head) {
		struct chunk *next = a->head->next;
		munmap(a->head->map, a->head->maplen);
		a->head = next;
	}
}

/* Duplicate member names.  cJSON keeps every member of an object, so a
 * selector would see both copies of a repeated name: a document that
 * repeats one is refused.  The names are compared as cJSON decoded them
 * (escapes resolved: "a" and "\u0061" are one name), on the tree, object
 * by object; the tree has no positions, so the offending member is known
 * by its rank among all the members of the document in document order,
 * and only on refusal is the text scanned again for where that member's
 * name stands. */
struct member {
	const char *name;
	size_t rank;   /* among all the members of the document, in document order */
	uint64_t hash; /* of the name; set only in objects larger than DUP_PAIRWISE_MAX */
};

struct dupscan {
	struct member *m; /* the members of the objects open on the walk, a stack */
	size_t n, cap;
	uint32_t *slot; /* the hash table of one large object: index + 1, 0 = free */
	size_t nslot;   /* allocated */
	size_t next;    /* the rank of the next member met */
	size_t first;   /* the earliest member repeating a sibling's name; SIZE_MAX: none */
	const char *first_name;
	bool oom;
};

/* Objects up to this size are checked pair by pair (range documents'
 * objects have a handful of members); larger ones through a hash table. */
#define DUP_PAIRWISE_MAX 8

static uint64_t
name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static bool
same_name(const struct member *x, const struct member *y)
{
	return x->hash == y->hash && strcmp(x->name, y->name) == 0;
}

static void
note_dup(struct dupscan *d, const struct member *m)
{
	if (m->rank < d->first) {
		d->first = m->rank;
		d->first_name = m->name;
	}
}

static int
cmp_member(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int c;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* The members m[0..n) of one object, in document order, hashed, in an
 * open-addressing table: the first that finds its name already there is
 * the object's earliest repeat.  FNV-1a is not keyed, and names made to
 * collide would make the probing quadratic: past a budget of probes,
 * false (the caller sorts instead, O(n log n) whatever the names). */
static bool
dup_hashed(struct dupscan *d, struct member *m, size_t n)
{
	size_t nslot = 16, budget = 4 * n + 64;
	int bits = 4;

	if (n >= UINT32_MAX)
		return false;
	while (nslot < 2 * n) {
		nslot *= 2;
		bits++;
	}
	if (nslot > d->nslot) {
		uint32_t *t = realloc(d->slot, nslot * sizeof *t);

		if (!t) {
			d->oom = true;
			return true;
		}
		d->slot = t;
		d->nslot = nslot;
	}
	memset(d->slot, 0, nslot * sizeof *d->slot);
	for (size_t j = 0; j < n; j++) {
		uint64_t h = m[j].hash = name_hash(m[j].name);
		/* The top bits of a Fibonacci product: FNV-1a's low bits depend
		 * only on the low bits of the bytes. */
		size_t k = (size_t)((h * 0x9e3779b97f4a7c15ULL) >> (64 - bits));

		for (; d->slot[k]; k = (k + 1) & (nslot - 1)) {
			if (same_name(&m[d->slot[k] - 1], &m[j])) {
				note_dup(d, &m[j]);
				return true; /* ranks grow with j: no later one is earlier */
			}
			if (budget-- == 0)
				return false;
		}
		d->slot[k] = (uint32_t)(j + 1);
	}
	return true;
}

/* The members m[0..n) of one object, in document order: lower d->first
 * to the rank of the earliest one whose name an earlier sibling has. */
static void
dup_object(struct dupscan *d, struct member *m, size_t n)
{
	if (n <= DUP_PAIRWISE_MAX) {
		for (size_t j = 1; j < n; j++)
			for (size_t i = 0; i < j; i++)
				if (m[i].name[0] == m[j].name[0] && strcmp(m[i].name, m[j].name) == 0) {
					note_dup(d, &m[j]);
					return; /* ranks grow with j: no later one is earlier */
				}
		return;
	}
	if (dup_hashed(d, m, n))
		return;
	for (size_t i = 0; i < n; i++)
		m[i].hash = name_hash(m[i].name);
	qsort(m, n, sizeof *m, cmp_member);
	/* Equal names are adjacent, by rank: the second of each run. */
	for (size_t i = 1; i < n; i++)
		if (same_name(&m[i - 1], &m[i]) && (i == 1 || !same_name(&m[i - 2], &m[i])))
			note_dup(d, &m[i]);
}

static bool
is_container(const cJSON *node)
{
	int t = node->type & 0xff;

	return t == cJSON_Object || t == cJSON_Array;
}

/* Depth-first in document order (a member's rank before those of the
 * members inside its value), so that ranks follow the text.  The depth
 * is bounded by the prescan. */
static void
dup_walk(struct dupscan *d, const cJSON *node)
{
	size_t base = d->n;

	if ((node->type & 0xff) == cJSON_Array) {
		/* Most nodes of a range document are strings in arrays. */
		for (const cJSON *c = node->child; c && !d->oom; c = c->next)
			if (is_container(c))
				dup_walk(d, c);
		return;
	}
	for (const cJSON *c = node->child; c && !d->oom; c = c->next) {
		if (d->n == d->cap) {
			size_t cap = d->cap ? 2 * d->cap : 64;
			struct member *m = realloc(d->m, cap * sizeof *m);

			if (!m) {
				d->oom = true;
				return;
			}
			d->m = m;
			d->cap = cap;
		}
		d->m[d->n++] = (struct member){c->string ? c->string : "", d->next++, 0};
		if (is_container(c))
			dup_walk(d, c);
	}
	/* What the members' values pushed they popped: this object's own
	 * members are d->m[base..d->n). */
	if (!d->oom)
		dup_object(d, d->m + base, d->n - base);
	d->n = base;
}

/* Where the name of the member of rank `rank` starts (its opening quote):
 * in a document cJSON accepted, a member's name is the only string that a
 * colon follows. */
static size_t
member_offset(const char *buf, size_t len, size_t rank)
{
	size_t i = 0;

	while (i < len) {
		size_t start, j;

		if (buf[i] != '"') {
			i++;
			continue;
		}
		start = i++;
		while (i < len && buf[i] != '"')
			i += buf[i] == '\\' ? 2 : 1;
		for (j = i + 1; j < len && is_ws(buf[j]); j++)
			;
		if (j < len && buf[j] == ':' && rank-- == 0)
			return start;
		i++;
	}
	return 0;
}

/* A decoded name for a one-line message: quotes, backslashes and control
 * characters escaped, cut (at a character boundary) past 64 bytes. */
static void
name_text(const char *name, char *out, size_t size)
{
	const unsigned char *s = (const unsigned char *)name;
	size_t o = 0;

	for (; *s && o + 8 < size; s++) {
		if (o >= 64 && (*s & 0xc0) != 0x80) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (*s == '"' || *s == '\\') {
			out[o++] = '\\';
			out[o++] = (char)*s;
		} else if (*s < 0x20 || *s == 0x7f) {
			o += (size_t)snprintf(out + o, size - o, "\\u%04x", *s);
		} else {
			out[o++] = (char)*s;
		}
	}
	out[o] = '\0';
}

/* 0, or -1 with err saying where the first repeated name is. */
static int
check_dups(const char *buf, size_t len, const cJSON *root, struct err *err)
{
	struct dupscan d = {.first = SIZE_MAX};
	size_t line, col;
	char name[96];

	if (is_container(root))
		dup_walk(&d, root);
	free(d.m);
	free(d.slot);
	if (d.oom)
		return err_set(err, "out of memory");
	if (d.first == SIZE_MAX)
		return 0;
	line_col(buf, member_offset(buf, len, d.first), &line, &col);
	name_text(d.first_name, name, sizeof name);
	return err_set_line(err, line, "column %zu: duplicate key \"%s\"", col, name);
}

/* Parse after the checks; the tree lives in `a` (arena_free). */
static cJSON *
parse_doc(const char *buf, size_t len, struct arena *a, struct err *err)
{
	const char *end = NULL;
	size_t line, col, i;
	cJSON *root;

	for (i = 0; i < len && is_ws(buf[i]); i++)
		;
	if (i == len) {
		err_set(err, "empty document");
		return NULL;
	}
	if (looks_like_html(buf, len)) {
		err_set(err, "looks like an HTML page, not a JSON document");
		return NULL;
	}
	if (prescan(buf, len, err) < 0)
		return NULL;
	/* Room for about four bytes of tree per byte of document at first;
	 * further chunks double. */
	a->next_size = len < ARENA_MIN / 4 ? ARENA_MIN : len > ARENA_MAX / 4 ? ARENA_MAX : 4 * len;
	cur_arena = a;
	root = cJSON_ParseWithLengthOpts(buf, len, &end, 0);
	cur_arena = NULL;
	if (a->oom) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (!root) {
		size_t off = end && end >= buf && end <= buf + len ? (size_t)(end - buf) : 0;

		line_col(buf, off, &line, &col);
		err_set_line(err, line, "column %zu: not valid JSON", col);
		return NULL;
	}
	for (i = (size_t)(end - buf); i < len && is_ws(buf[i]); i++)
		;
	if (i != len) {
		line_col(buf, i, &line, &col);
		err_set_line(err, line, "column %zu: trailing data after the JSON value", col);
		return NULL;
	}
	if (check_dups(buf, len, root, err) < 0)
		return NULL;
	return root;
}

struct parse_json_doc {
	struct arena a;
	cJSON *root;
};

struct parse_json_doc *
parse_json_doc_new(const char *buf, size_t len, struct err *err)
{
	struct parse_json_doc *d = calloc(1, sizeof *d);

	if (!d) {
		err_set(err, "out of memory");
		return NULL;
	}
	if (!(d->root = parse_doc(buf, len, &d->a, err))) {
		parse_json_doc_free(d);
		return NULL;
	}
	return d;
}

const struct cJSON *
parse_json_doc_root(const struct parse_json_doc *d)
{
	return d->root;
}

void
parse_json_doc_free(struct parse_json_doc *d)
{
	if (!d)
		return;
	arena_free(&d->a);
	free(d);
}

int
parse_json_check(const char *buf, size_t len, struct err *err)
{
	struct arena a = {0};
	cJSON *root = parse_doc(buf, len, &a, err);

	arena_free(&a);
	return root ? 0 : -1;
}

struct collect {
	const char *name;
	const cJSON *root;
	struct pset *out;
	size_t n;
	size_t host_bits;
	const cJSON *bad; /* the offending node, err saying what is wrong with it */
	struct err *err;
	bool nomem;
};

static const char *
type_name(const cJSON *node)
{
	switch (node->type & 0xff) {
	case cJSON_False:
	case cJSON_True:
		return "a boolean";
	case cJSON_NULL:
		return "null";
	case cJSON_Number:
		return "a number";
	case cJSON_Array:
		return "an array";
	case cJSON_Object:
		return "an object";
	default:
		return "not a string";
	}
}

static int
take(void *ctx, const cJSON *node)
{
	struct collect *c = ctx;
	struct pfx p;

	c->n++;
	if (!cJSON_IsString(node)) {
		c->bad = node;
		err_set(c->err, "is %s, not a string%s", type_name(node),
			cJSON_IsArray(node) || cJSON_IsObject(node)
			    ? " (select its members with [*])"
			    : "");
		return 1;
	}
	if (!pfx_parse(node->valuestring, strlen(node->valuestring), &p, c->err)) {
		c->bad = node;
		err_set(c->err, "is not an address, prefix or range: %s", c->err->msg);
		return 1;
	}
	if (p.host_bits && ++c->host_bits <= HOST_BITS_WARN_MAX) {
		char text[PFX_TEXT_MAX], path[256];

		pfx_format_cidr(p.fam, p.r.lo, p.len, text);
		jsonpath_node_path(c->root, node, path, sizeof path);
		log_warn("%s: %s: \"%s\" has host bits set; using %s", c->name, path,
			 node->valuestring, text);
	}
	if (pset_add_pfx(c->out, &p) < 0) {
		c->nomem = true;
		return 1;
	}
	return 0;
}

int
parse_json_buf(const char *name, const char *buf, size_t len, struct jsonpath *const *sel,
	       size_t nsel, bool allow_empty, struct pset *out, struct err *err)
{
	struct collect c = {.name = name, .out = out, .err = err};
	struct arena a = {0};
	cJSON *root;
	int rc = -1;

	if (!(root = parse_doc(buf, len, &a, err))) {
		arena_free(&a);
		return -1;
	}
	c.root = root;
	for (size_t k = 0; k < nsel; k++) {
		c.n = 0;
		if (jsonpath_eval(sel[k], root, take, &c) != 0) {
			if (c.nomem) {
				err_set(err, "out of memory");
			} else {
				char path[128];

				if (jsonpath_node_path(root, c.bad, path, sizeof path) >= sizeof path)
					memcpy(path + sizeof path - 4, "...", 4);
				err_set(err, "selector \"%s\": %s %s", jsonpath_text(sel[k]), path,
					err->msg);
			}
			goto out;
		}
		if (c.n == 0 && !allow_empty) {
			err_set(err, "selector \"%s\" matched nothing", jsonpath_text(sel[k]));
			goto out;
		}
	}
	if (c.host_bits > HOST_BITS_WARN_MAX)
		log_warn("%s: %zu more entries had host bits set (cleared)", name,
			 c.host_bits - HOST_BITS_WARN_MAX);
	rc = 0;
out:
	arena_free(&a);
	return rc;
}
