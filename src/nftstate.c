/* nftstate — the record of what an nftables output applied. */
#include "nftstate.h"

#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAGIC "allowsync-nft-state 1"

void
nftstate_init(struct nftstate *st)
{
	memset(st, 0, sizeof(*st));
	nl_ranges_init(&st->r[0]);
	nl_ranges_init(&st->r[1]);
}

void
nftstate_release(struct nftstate *st)
{
	if (st == NULL)
		return;
	nl_ranges_release(&st->r[0]);
	nl_ranges_release(&st->r[1]);
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

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* One hexadecimal number of at most `digits` digits, then a blank or
 * the end of the line. */
static const char *
hex_parse(const char *p, const char *end, int digits, u128 *v)
{
	int n = 0, d;

	*v = 0;
	while (p < end && (d = hexval(*p)) >= 0) {
		if (++n > digits)
			return NULL;
		*v = (*v << 4) | (u128)d;
		p++;
	}
	return n > 0 ? p : NULL;
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

/* "KEY VALUE": copy VALUE when the line starts with KEY. */
static bool
header(const char *line, size_t len, const char *key, char *out, size_t outsz)
{
	size_t k = strlen(key);

	if (len <= k + 1 || memcmp(line, key, k) != 0 || line[k] != ' ')
		return false;
	len -= k + 1;
	if (len >= outsz)
		return false;
	memcpy(out, line + k + 1, len);
	out[len] = '\0';
	return true;
}

static int
parse_ranges(struct cursor *c, enum pfx_family fam, struct nl_ranges *r, const char *tag)
{
	const char *line;
	size_t len;
	char v[32], *e;
	unsigned long long n;
	int digits = fam == PFX_V4 ? 8 : 32;
	u128 prev_hi = 0;

	if (!next_line(c, &line, &len) || !header(line, len, tag, v, sizeof(v)))
		return -1;
	errno = 0;
	n = strtoull(v, &e, 10);
	if (errno || *e || e == v)
		return -1;
	/* Bounded by what the file can hold: at least 4 bytes a line. */
	if (n > (unsigned long long)(c->end - c->p) / 4 || nl_ranges_reserve(r, (size_t)n) < 0)
		return -1;
	for (unsigned long long i = 0; i < n; i++) {
		const char *p, *end;
		u128 lo, hi;

		if (!next_line(c, &line, &len))
			return -1;
		end = line + len;
		p = hex_parse(line, end, digits, &lo);
		if (p == NULL || p >= end || *p != ' ')
			return -1;
		p = hex_parse(p + 1, end, digits, &hi);
		/* Canonical: in order, disjoint, not adjacent. */
		if (p != end || hi < lo || hi > pfx_max(fam) || (i > 0 && lo <= prev_hi + 1))
			return -1;
		if (nl_ranges_push(r, fam, lo, hi) < 0)
			return -1;
		prev_hi = hi;
	}
	return 0;
}

int
nftstate_load(const char *path, struct nftstate *st, char *err)
{
	char *buf = NULL, v[64], *e;
	size_t len, llen;
	const char *line;
	struct cursor c;
	int r;

	r = atomicfile_read(path, &buf, &len, err);
	if (r != 0)
		return r;
	c.p = buf;
	c.end = buf + len;
	if (!next_line(&c, &line, &llen) || llen != strlen(MAGIC) || memcmp(line, MAGIC, llen))
		goto bad;
	if (!next_line(&c, &line, &llen) || !header(line, llen, "boot", st->boot, sizeof(st->boot)))
		goto bad;
	if (!next_line(&c, &line, &llen) || !header(line, llen, "netns", v, sizeof(v)))
		goto bad;
	errno = 0;
	st->netns = strtoull(v, &e, 10);
	if (errno || *e)
		goto bad;
	if (!next_line(&c, &line, &llen) || !header(line, llen, "gen", v, sizeof(v)))
		goto bad;
	st->gen = (uint32_t)strtoul(v, &e, 10);
	if (*e)
		goto bad;
	if (!next_line(&c, &line, &llen) || !header(line, llen, "family", v, sizeof(v)) ||
	    (st->family = nl_family_parse(v)) < 0)
		goto bad;
	if (!next_line(&c, &line, &llen) ||
	    !header(line, llen, "table", st->table, sizeof(st->table)))
		goto bad;
	for (int k = 0; k < 2; k++) {
		if (!next_line(&c, &line, &llen) ||
		    !header(line, llen, k == 0 ? "set4" : "set6", st->set[k], sizeof(st->set[k])))
			goto bad;
		if (strcmp(st->set[k], "-") == 0)
			st->set[k][0] = '\0';
	}
	if (parse_ranges(&c, PFX_V4, &st->r[0], "v4") < 0 ||
	    parse_ranges(&c, PFX_V6, &st->r[1], "v6") < 0)
		goto bad;
	if (!next_line(&c, &line, &llen) || llen != 3 || memcmp(line, "end", 3) != 0 ||
	    c.p != c.end)
		goto bad;
	free(buf);
	return 0;
bad:
	free(buf);
	nftstate_release(st);
	nftstate_init(st);
	snprintf(err, ATOMICFILE_ERR_MAX, "%s: malformed state file", path);
	return -1;
}

/* Fixed-width lowercase hex, by hand: a million lines through printf
 * would cost more than the rest of the record. */
static void
put_hex(FILE *f, enum pfx_family fam, u128 v)
{
	static const char digits[] = "0123456789abcdef";
	char buf[32];
	int n = fam == PFX_V4 ? 8 : 32;

	for (int i = n - 1; i >= 0; i--, v >>= 4)
		buf[i] = digits[(unsigned)(v & 15)];
	fwrite(buf, 1, (size_t)n, f);
}

/* Without fsync: the record only saves a dump.  If a crash loses or
 * truncates it, the loader refuses it (magic, counts, "end") or its
 * generation no longer matches, and the next run dumps the set. */
int
nftstate_save(const char *path, const struct nftstate *st, const struct pset *applied,
	      char *err)
{
	static const enum pfx_family fams[2] = { PFX_V4, PFX_V6 };
	size_t tlen = strlen(path) + 8;
	char *tmp = malloc(tlen);
	FILE *f = NULL;
	int fd, rc = -1;

	if (tmp == NULL) {
		snprintf(err, ATOMICFILE_ERR_MAX, "out of memory");
		return -1;
	}
	/* A fixed name: runs hold the lock, and one left by a killed run is
	 * simply overwritten. */
	snprintf(tmp, tlen, "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
		snprintf(err, ATOMICFILE_ERR_MAX, "cannot write %s: %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fprintf(f, "%s\nboot %s\nnetns %" PRIu64 "\ngen %" PRIu32 "\nfamily %s\ntable %s\n",
		MAGIC, st->boot[0] ? st->boot : "-", st->netns, st->gen,
		nl_family_name(st->family), st->table);
	fprintf(f, "set4 %s\nset6 %s\n", st->set[0][0] ? st->set[0] : "-",
		st->set[1][0] ? st->set[1] : "-");
	for (int k = 0; k < 2; k++) {
		size_t n = pset_count(applied, fams[k]);

		fprintf(f, "v%d %zu\n", k == 0 ? 4 : 6, n);
		for (size_t i = 0; i < n; i++) {
			struct pfx_range r = pset_get(applied, fams[k], i);

			put_hex(f, fams[k], r.lo);
			fputc(' ', f);
			put_hex(f, fams[k], r.hi);
			fputc('\n', f);
		}
	}
	fputs("end\n", f);
	if (ferror(f) | fclose(f)) {
		snprintf(err, ATOMICFILE_ERR_MAX, "cannot write %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, path) < 0) {
		snprintf(err, ATOMICFILE_ERR_MAX, "cannot rename %s: %s", tmp, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	free(tmp);
	return rc;
}
