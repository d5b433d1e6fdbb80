/* nftstate — the record of what an nftables output applied. */
#include "nftstate.h"

#include "atomicfile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAGIC "allowsync-nft-state 2"

void
nftstate_init(struct nftstate *st)
{
	memset(st, 0, sizeof(*st));
}

void
nftstate_release(struct nftstate *st)
{
	if (st == NULL)
		return;
	pset_free(st->ranges);
	st->ranges = NULL;
}

void
nftstate_boot_id(char out[40])
{
	FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
	size_t n = 0;

	out[0] = '\0';
	if (f == NULL)
		return;
	if (fgets(out, 40, f) != NULL)
		n = strcspn(out, "\n");
	out[n] = '\0';
	fclose(f);
}

struct cursor {
	const char *p;
	const char *end;
};

/* The next line without its newline; false at the end. */
static bool
next_line(struct cursor *c, const char **line, size_t *len)
{
	const char *nl;

	if (c->p >= c->end)
		return false;
	nl = memchr(c->p, '\n', (size_t)(c->end - c->p));
	if (nl == NULL)
		return false;  /* every line ends with a newline */
	*line = c->p;
	*len = (size_t)(nl - c->p);
	c->p = nl + 1;
	return true;
}

/* "KEY VALUE": copy VALUE when the next line starts with KEY. */
static bool
header(struct cursor *c, const char *key, char *out, size_t outsz)
{
	const char *line;
	size_t len, k = strlen(key);

	if (!next_line(c, &line, &len) || len <= k + 1 || memcmp(line, key, k) != 0 ||
	    line[k] != ' ')
		return false;
	len -= k + 1;
	if (len >= outsz)
		return false;
	memcpy(out, line + k + 1, len);
	out[len] = '\0';
	return true;
}

static bool
header_u64(struct cursor *c, const char *key, uint64_t max, uint64_t *v)
{
	char text[32], *e;
	unsigned long long x;

	if (!header(c, key, text, sizeof(text)) || text[0] < '0' || text[0] > '9')
		return false;
	errno = 0;
	x = strtoull(text, &e, 10);
	if (errno || *e || x > max)
		return false;
	*v = x;
	return true;
}

/* Bytes one range takes in the record. */
static size_t
range_size(enum pfx_family fam)
{
	return fam == PFX_V4 ? 2 * sizeof(uint32_t) : 2 * sizeof(u128);
}

/* n ranges of one family from p into r, which checks them canonical:
 * in order, disjoint, not adjacent, within the family. */
static int
read_ranges(const unsigned char *p, size_t n, enum pfx_family fam, struct pset *r)
{
	if (pset_reserve(r, fam, n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++, p += range_size(fam)) {
		u128 lo, hi;

		if (fam == PFX_V4) {
			uint32_t v[2];
			memcpy(v, p, sizeof(v));
			lo = v[0];
			hi = v[1];
		} else {
			memcpy(&lo, p, sizeof(lo));
			memcpy(&hi, p + sizeof(lo), sizeof(hi));
		}
		if (pset_append_canonical(r, fam, lo, hi) != 0)
			return -1;
	}
	return 0;
}

int
nftstate_load(const char *path, struct nftstate *st, struct err *err)
{
	char *buf = NULL, text[64];
	const char *line;
	size_t len, llen;
	uint64_t gen, n[2];
	struct cursor c;
	int r;

	r = atomicfile_read(path, &buf, &len, err);
	if (r != 0)
		return r;
	c.p = buf;
	c.end = buf + len;
	if (!next_line(&c, &line, &llen) || llen != strlen(MAGIC) || memcmp(line, MAGIC, llen) ||
	    !header(&c, "boot", st->boot, sizeof(st->boot)) ||
	    !header_u64(&c, "netns", UINT64_MAX, &st->netns) ||
	    !header_u64(&c, "gen", UINT32_MAX, &gen) ||
	    !header(&c, "family", text, sizeof(text)) ||
	    (st->family = nl_family_parse(text)) < 0 ||
	    !header(&c, "table", st->table, sizeof(st->table)) ||
	    !header(&c, "set4", st->set[0], sizeof(st->set[0])) ||
	    !header(&c, "set6", st->set[1], sizeof(st->set[1])) ||
	    !header_u64(&c, "v4", SIZE_MAX / 64, &n[0]) ||
	    !header_u64(&c, "v6", SIZE_MAX / 64, &n[1]))
		goto bad;
	st->gen = (uint32_t)gen;
	for (int k = 0; k < 2; k++)
		if (strcmp(st->set[k], "-") == 0)
			st->set[k][0] = '\0';
	/* The ranges, then "end": a truncated record fails the length. */
	if ((size_t)(c.end - c.p) != n[0] * range_size(PFX_V4) + n[1] * range_size(PFX_V6) + 4 ||
	    memcmp(c.end - 4, "end\n", 4) != 0 || !(st->ranges = pset_new()) ||
	    read_ranges((const unsigned char *)c.p, n[0], PFX_V4, st->ranges) < 0 ||
	    read_ranges((const unsigned char *)c.p + n[0] * range_size(PFX_V4), n[1], PFX_V6,
			st->ranges) < 0)
		goto bad;
	free(buf);
	return 0;
bad:
	free(buf);
	nftstate_release(st);
	nftstate_init(st);
	err_set(err, "%s: malformed state file", path);
	return -1;
}

/* The whole record in one buffer: header, ranges, "end". */
static char *
render(const struct nftstate *st, const struct pset *applied, size_t *len)
{
	static const enum pfx_family fams[2] = { PFX_V4, PFX_V6 };
	size_t n[2] = { pset_count(applied, PFX_V4), pset_count(applied, PFX_V6) };
	size_t cap = 4096 + n[0] * range_size(PFX_V4) + n[1] * range_size(PFX_V6);
	char *buf = malloc(cap), *p;
	int h;

	if (buf == NULL)
		return NULL;
	h = snprintf(buf, 4096,
		     "%s\nboot %s\nnetns %" PRIu64 "\ngen %" PRIu32 "\nfamily %s\ntable %s\n"
		     "set4 %s\nset6 %s\nv4 %zu\nv6 %zu\n",
		     MAGIC, st->boot[0] ? st->boot : "-", st->netns, st->gen,
		     nl_family_name(st->family), st->table, st->set[0][0] ? st->set[0] : "-",
		     st->set[1][0] ? st->set[1] : "-", n[0], n[1]);
	if (h < 0 || h >= 4096 - 4) {
		free(buf);
		return NULL;
	}
	p = buf + h;
	for (int k = 0; k < 2; k++) {
		struct pfx_range batch[256];
		size_t got;

		for (size_t i = 0; (got = pset_get_many(applied, fams[k], i, batch, 256)) > 0;
		     i += got)
			for (size_t j = 0; j < got; j++) {
				const struct pfx_range *r = &batch[j];

				if (k == 0) {
					uint32_t v[2] = { (uint32_t)r->lo, (uint32_t)r->hi };
					memcpy(p, v, sizeof(v));
				} else {
					memcpy(p, &r->lo, sizeof(r->lo));
					memcpy(p + sizeof(r->lo), &r->hi, sizeof(r->hi));
				}
				p += range_size(fams[k]);
			}
	}
	memcpy(p, "end\n", 4);
	*len = (size_t)(p + 4 - buf);
	return buf;
}

/* Unsynced: the record only saves a dump.  If a crash loses, empties or
 * tears it, the loader refuses it (magic, length, "end") or its
 * generation no longer matches, and the next run dumps the set. */
int
nftstate_save(const char *path, const struct nftstate *st, const struct pset *applied,
	      struct err *err)
{
	size_t len = 0;
	char *rec = render(st, applied, &len);
	int rc;

	if (rec == NULL) {
		err_set(err, "out of memory");
		return -1;
	}
	rc = atomicfile_write_sync(path, 0600, rec, len, ATOMICFILE_UNSYNCED, err);
	free(rec);
	return rc;
}
