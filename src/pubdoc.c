/* pubdoc — the published range document (AWS ip-ranges.json shape). */
#include "pubdoc.h"

#include "parse_json.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *
pubdoc_tag_check(const char *tag)
{
	size_t n = strlen(tag);
	if (n == 0)
		return "empty tag";
	if (n > PUBDOC_TAG_MAX)
		return "tag longer than 64 characters";
	for (const char *p = tag; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-' || c == ':'))
			return "a tag may hold only letters, digits, '.', '_', '-' and ':'";
	}
	return NULL;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct pubdoc_entry *x = a, *y = b;
	if (x->fam != y->fam)
		return x->fam < y->fam ? -1 : 1;
	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	return 0;
}

/* A set of addresses that all carry the same tags. */
struct part {
	struct pset *set;
	uint64_t tags;
};

struct entry_sink {
	struct pubdoc_inv *inv;
	size_t cap;
	uint64_t tags;
};

static int
add_entry(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	struct entry_sink *s = ctx;
	struct pubdoc_inv *inv = s->inv;
	if (inv->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct pubdoc_entry *e = realloc(inv->e, cap * sizeof *e);
		if (!e)
			return -1;
		inv->e = e;
		s->cap = cap;
	}
	inv->e[inv->n++] = (struct pubdoc_entry){.fam = fam, .addr = addr, .len = len, .tags = s->tags};
	return 0;
}

/* a ∩ b, as a - (a - b) with the operations pset has. */
static struct pset *
intersect(const struct pset *a, const struct pset *b)
{
	struct pset *rest = pset_dup(a), *in = pset_dup(a);
	if (!rest || !in || pset_subtract(rest, b) < 0 || pset_subtract(in, rest) < 0) {
		pset_free(rest);
		pset_free(in);
		return NULL;
	}
	pset_free(rest);
	return in;
}

static void
parts_free(struct part *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pset_free(p[i].set);
	free(p);
}

struct pubdoc_inv *
pubdoc_inv_new(const struct pubdoc_input *in, size_t n, struct err *err)
{
	struct pubdoc_inv *inv = calloc(1, sizeof *inv);
	struct part *parts = NULL;
	size_t n_parts = 0;
	struct pset *tagged = NULL;
	const char **all_tags = NULL;
	size_t n_all = 0;
	const char *why = "out of memory";

	if (!inv || !(inv->all = pset_new()))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (pset_add_set(inv->all, in[i].set) < 0)
			goto fail;
		n_all += in[i].n_tags;
	}
	if (pset_merge(inv->all) < 0)
		goto fail;

	/* The distinct tags, sorted: their index is their bit. */
	if (n_all && !(all_tags = malloc(n_all * sizeof *all_tags)))
		goto fail;
	n_all = 0;
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < in[i].n_tags; j++) {
			if ((why = pubdoc_tag_check(in[i].tags[j])) != NULL)
				goto fail;
			all_tags[n_all++] = in[i].tags[j];
		}
	if (n_all)
		qsort(all_tags, n_all, sizeof *all_tags, cmp_str);
	if (n_all && !(inv->tags = calloc(n_all, sizeof *inv->tags)))
		goto fail;
	for (size_t i = 0; i < n_all; i++) {
		if (inv->n_tags && strcmp(inv->tags[inv->n_tags - 1], all_tags[i]) == 0)
			continue;
		if (inv->n_tags == PUBDOC_MAX_TAGS) {
			why = "more than 64 distinct tags";
			goto fail;
		}
		if (!(inv->tags[inv->n_tags++] = strdup(all_tags[i])))
			goto fail;
	}

	/* Partition the inventory by tag combination: start from one part
	 * holding everything, then split every part by each tag's set. */
	if (!(parts = calloc(1, sizeof *parts)) || !(parts[0].set = pset_dup(inv->all)))
		goto fail;
	n_parts = 1;
	for (size_t t = 0; t < inv->n_tags; t++) {
		if (!(tagged = pset_new()))
			goto fail;
		for (size_t i = 0; i < n; i++)
			for (size_t j = 0; j < in[i].n_tags; j++)
				if (strcmp(in[i].tags[j], inv->tags[t]) == 0 &&
				    pset_add_set(tagged, in[i].set) < 0)
					goto fail;
		if (pset_merge(tagged) < 0)
			goto fail;
		size_t before = n_parts;
		for (size_t p = 0; p < before; p++) {
			struct pset *with = intersect(parts[p].set, tagged);
			if (!with)
				goto fail;
			if (pset_total(with) == 0) {
				pset_free(with);
				continue;
			}
			if (pset_subtract(parts[p].set, with) < 0) {
				pset_free(with);
				goto fail;
			}
			struct part *np = realloc(parts, (n_parts + 1) * sizeof *np);
			if (!np) {
				pset_free(with);
				goto fail;
			}
			parts = np;
			parts[n_parts++] = (struct part){.set = with, .tags = parts[p].tags | (1ull << t)};
		}
		pset_free(tagged);
		tagged = NULL;
	}

	struct entry_sink sink = {.inv = inv};
	for (size_t p = 0; p < n_parts; p++) {
		sink.tags = parts[p].tags;
		if (pset_each_cidr(parts[p].set, PFX_V4, add_entry, &sink) != 0 ||
		    pset_each_cidr(parts[p].set, PFX_V6, add_entry, &sink) != 0)
			goto fail;
	}
	if (inv->n)
		qsort(inv->e, inv->n, sizeof *inv->e, cmp_entry);
	parts_free(parts, n_parts);
	free(all_tags);
	return inv;
fail:
	err_set(err, "%s", why);
	pset_free(tagged);
	parts_free(parts, n_parts);
	free(all_tags);
	pubdoc_inv_free(inv);
	return NULL;
}

void
pubdoc_inv_free(struct pubdoc_inv *inv)
{
	if (!inv)
		return;
	for (size_t i = 0; i < inv->n_tags; i++)
		free(inv->tags[i]);
	free(inv->tags);
	free(inv->e);
	pset_free(inv->all);
	free(inv);
}

void
pubdoc_date(int64_t t, char buf[24])
{
	struct tm tm;
	time_t tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || strftime(buf, 24, "%Y-%m-%d-%H-%M-%S", &tm) == 0)
		snprintf(buf, 24, "0000-00-00-00-00-00");
}

int
pubdoc_date_parse(const char *s, int64_t *t)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, se;
	char tail;
	if (strlen(s) != 19 ||
	    sscanf(s, "%4d-%2d-%2d-%2d-%2d-%2d%c", &y, &mo, &d, &h, &mi, &se, &tail) != 6)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60 ||
	    h < 0 || mi < 0 || se < 0)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*t = (int64_t)timegm(&tm);
	return 0;
}

static void
entry_tags_json(const struct pubdoc_inv *inv, uint64_t tags, FILE *f)
{
	bool first = true;
	fputc('[', f);
	for (size_t i = 0; i < inv->n_tags; i++) {
		if (!(tags & (1ull << i)))
			continue;
		/* pubdoc_tag_check admits nothing JSON would need escaped. */
		fprintf(f, "%s\"%s\"", first ? "" : ", ", inv->tags[i]);
		first = false;
	}
	fputc(']', f);
}

static void
family_json(const struct pubdoc_inv *inv, enum pfx_family fam, FILE *f)
{
	const char *arr = fam == PFX_V4 ? "prefixes" : "ipv6_prefixes";
	const char *key = fam == PFX_V4 ? "ip_prefix" : "ipv6_prefix";
	bool first = true;

	fprintf(f, "  \"%s\": [", arr);
	for (size_t i = 0; i < inv->n; i++) {
		const struct pubdoc_entry *e = &inv->e[i];
		char buf[PFX_TEXT_MAX];
		if (e->fam != fam)
			continue;
		pfx_format_cidr(e->fam, e->addr, e->len, buf);
		fprintf(f, "%s\n    {\n      \"%s\": \"%s\",\n      \"tags\": ", first ? "" : ",",
			key, buf);
		entry_tags_json(inv, e->tags, f);
		fputs("\n    }", f);
		first = false;
	}
	fputs(first ? "]" : "\n  ]", f);
}

/* Close an open_memstream (which sets *buf only now); NULL if anything
 * failed. */
static char *
memstream_done(FILE *f, char **buf)
{
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		free(*buf);
		*buf = NULL;
	}
	return *buf;
}

char *
pubdoc_json(const struct pubdoc_inv *inv, const struct pubdoc_meta *m, size_t *len)
{
	char *buf = NULL;
	char created[24], expires[24];
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	pubdoc_date(m->created, created);
	pubdoc_date(m->expires, expires);
	fprintf(f,
		"{\n  \"syncToken\": \"%" PRIu64 "\",\n  \"createDate\": \"%s\",\n"
		"  \"serial\": %" PRIu64 ",\n  \"expires\": \"%s\",\n",
		m->serial, created, m->serial, expires);
	family_json(inv, PFX_V4, f);
	fputs(",\n", f);
	family_json(inv, PFX_V6, f);
	fputs("\n}\n", f);
	return memstream_done(f, &buf);
}

static int
text_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char line[PFX_TEXT_MAX];
	pfx_format_cidr(fam, addr, len, line);
	return fprintf(ctx, "%s\n", line) < 0 ? -1 : 0;
}

char *
pubdoc_text(const struct pubdoc_inv *inv, enum pfx_family fam, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	if (!f)
		return NULL;
	/* The cover of the whole set, not the tag-split entries: a plain
	 * list has no tags, so it is as short as it can be. */
	if (pset_each_cidr(inv->all, fam, text_line, f) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	return memstream_done(f, &buf);
}

int
pubdoc_meta_parse(const char *buf, size_t len, struct pubdoc_meta *m, struct err *err)
{
	struct parse_json_doc *d = parse_json_doc_new(buf, len, err);
	const cJSON *doc;
	int ret = -1;

	if (!d)
		return -1;
	doc = parse_json_doc_root(d);
	if (!cJSON_IsObject(doc)) {
		err_set(err, "not a JSON object");
		goto out;
	}
	const cJSON *serial = cJSON_GetObjectItemCaseSensitive(doc, "serial");
	const cJSON *created = cJSON_GetObjectItemCaseSensitive(doc, "createDate");
	const cJSON *expires = cJSON_GetObjectItemCaseSensitive(doc, "expires");
	/* Serials are Unix-time sized; doubles hold them exactly. */
	if (!cJSON_IsNumber(serial) || serial->valuedouble < 1 ||
	    serial->valuedouble > 9007199254740992.0 ||
	    serial->valuedouble != (double)(uint64_t)serial->valuedouble) {
		err_set(err, "no valid \"serial\"");
		goto out;
	}
	m->serial = (uint64_t)serial->valuedouble;
	if (!cJSON_IsString(created) || pubdoc_date_parse(created->valuestring, &m->created) < 0) {
		err_set(err, "no valid \"createDate\"");
		goto out;
	}
	if (!cJSON_IsString(expires) || pubdoc_date_parse(expires->valuestring, &m->expires) < 0) {
		err_set(err, "no valid \"expires\"");
		goto out;
	}
	ret = 0;
out:
	parse_json_doc_free(d);
	return ret;
}

static bool
entry_selected(const cJSON *entry, const char *const *tags, size_t n_tags)
{
	if (n_tags == 0)
		return true;
	const cJSON *et = cJSON_GetObjectItemCaseSensitive(entry, "tags");
	const cJSON *t;
	cJSON_ArrayForEach(t, et)
	{
		if (!cJSON_IsString(t))
			continue;
		for (size_t i = 0; i < n_tags; i++)
			if (strcmp(t->valuestring, tags[i]) == 0)
				return true;
	}
	return false;
}

static int
parse_family(const cJSON *doc, enum pfx_family fam, const char *const *tags, size_t n_tags,
	     struct pset *out, size_t *count, struct err *err)
{
	const char *arr = fam == PFX_V4 ? "prefixes" : "ipv6_prefixes";
	const char *key = fam == PFX_V4 ? "ip_prefix" : "ipv6_prefix";
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(doc, arr);
	size_t i = 0;

	if (!a) {
		err_set(err, "no \"%s\" array (not an allowsync/ip-ranges document)", arr);
		return -1;
	}
	if (!cJSON_IsArray(a)) {
		err_set(err, "\"%s\" is not an array", arr);
		return -1;
	}
	const cJSON *e;
	cJSON_ArrayForEach(e, a)
	{
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, key);
		const cJSON *et = cJSON_GetObjectItemCaseSensitive(e, "tags");
		struct pfx x;
		if (!cJSON_IsString(p)) {
			err_set(err, "%s[%zu]: no \"%s\" string", arr, i, key);
			return -1;
		}
		if (et && !cJSON_IsArray(et)) {
			err_set(err, "%s[%zu]: \"tags\" is not an array", arr, i);
			return -1;
		}
		if (!pfx_parse(p->valuestring, strlen(p->valuestring), &x, err))
			return err_set(err, "%s[%zu]: \"%.64s\": %s", arr, i, p->valuestring,
				       err->msg);
		if (x.fam != fam) {
			err_set(err, "%s[%zu]: \"%.64s\" is not an IPv%d prefix", arr, i,
				p->valuestring, fam == PFX_V4 ? 4 : 6);
			return -1;
		}
		if (entry_selected(e, tags, n_tags)) {
			if (pset_add_pfx(out, &x) < 0) {
				err_set(err, "out of memory");
				return -1;
			}
			(*count)++;
		}
		i++;
	}
	return 0;
}

int
pubdoc_parse(const char *buf, size_t len, const char *const *tags, size_t n_tags, time_t now,
	     struct pset *out, struct err *err)
{
	int ret = -1;
	size_t count = 0;
	struct parse_json_doc *d = parse_json_doc_new(buf, len, err);
	if (!d)
		return -1;
	const cJSON *doc = parse_json_doc_root(d);
	if (!cJSON_IsObject(doc)) {
		err_set(err, "not a JSON object");
		goto out;
	}
	const cJSON *expires = cJSON_GetObjectItemCaseSensitive(doc, "expires");
	if (expires) {
		int64_t t;
		if (!cJSON_IsString(expires) || pubdoc_date_parse(expires->valuestring, &t) < 0) {
			err_set(err, "\"expires\" is not a YYYY-MM-DD-hh-mm-ss date");
			goto out;
		}
		if (now != 0 && t <= (int64_t)now) {
			err_set(err, "document expired %s UTC", expires->valuestring);
			goto out;
		}
	}
	if (parse_family(doc, PFX_V4, tags, n_tags, out, &count, err) < 0 ||
	    parse_family(doc, PFX_V6, tags, n_tags, out, &count, err) < 0)
		goto out;
	ret = 0;
out:
	parse_json_doc_free(d);
	return ret;
}

int
pubdoc_parse_doc(const char *buf, size_t len, const char *const *tags, size_t n_tags,
		 bool allow_empty, struct pset *out, struct err *err)
{
	size_t before = pset_total(out);
	if (pubdoc_parse(buf, len, tags, n_tags, time(NULL), out, err) < 0)
		return -1;
	if (!allow_empty && pset_total(out) == before)
		return err_set(err, "no prefixes%s", n_tags ? " with the tags asked for" : "");
	return 0;
}
