/* cidrfile — one CIDR a line between fixed words; see cidrfile.h. */
#include "cidrfile.h"

#include "confkv.h"

#include <stdlib.h>
#include <string.h>

const struct conf_key cidrfile_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{NULL, 0},
};

/* Index of a family in the pre/post arrays. */
static int
fam_index(enum pfx_family fam)
{
	return fam == PFX_V6;
}

struct put_ctx {
	FILE *f;
	const struct cidrfile_fmt *fmt;
};

static int
put_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	const struct put_ctx *pc = ctx;
	char buf[PFX_TEXT_MAX];
	int k = fam_index(fam);

	pfx_format_cidr(fam, addr, len, buf);
	return fprintf(pc->f, "%s%s%s\n", pc->fmt->pre[k], buf, pc->fmt->post[k]) < 0 ? -1 : 0;
}

int
cidrfile_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct cidrfile *c = o->priv;
	struct put_ctx pc = {f, c->fmt};

	/* With nothing to allow the file is the header alone: still a valid
	 * include or lookup file, that allows nothing. */
	outfile_header(o, f);
	if (pset_each_cidr(want, PFX_V4, put_line, &pc) != 0 ||
	    pset_each_cidr(want, PFX_V6, put_line, &pc) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

static bool
wrapped(const char *s, size_t n, const char *pre, const char *post)
{
	size_t a = strlen(pre), b = strlen(post);

	return n >= a + b && memcmp(s, pre, a) == 0 && memcmp(s + n - b, post, b) == 0;
}

/* One line (blanks around it ignored): 1 = an entry in *x, 0 = blank or
 * comment, -1 = anything else (err set). */
static int
parse_line(const struct cidrfile_fmt *fmt, const char *s, size_t n, struct pfx *x,
	   struct err *err)
{
	int wrong_form = -1; /* a family found in the other family's form */
	bool refused = false;

	while (n && (s[0] == ' ' || s[0] == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n == 0 || s[0] == '#')
		return 0;
	for (int k = 0; k < 2; k++) {
		size_t a = strlen(fmt->pre[k]), b = strlen(fmt->post[k]);

		if (!wrapped(s, n, fmt->pre[k], fmt->post[k]))
			continue;
		if (!pfx_parse(s + a, n - a - b, x, err)) {
			refused = true;
			continue;
		}
		if (x->len < 0)
			return err_set(err, "%.*s: a range, not network/len", (int)(n - a - b), s + a);
		if (fam_index(x->fam) == k)
			return 1;
		wrong_form = fam_index(x->fam);
	}
	int shown = n > 80 ? 80 : (int)n, k = wrong_form;
	if (k >= 0)
		return err_set(err, "%.*s: not IPv%d written as %sCIDR%s", shown, s, k ? 6 : 4,
			       fmt->pre[k], fmt->post[k]);
	if (refused)
		return -1; /* with the reason pfx_parse gave */
	return err_set(err, "%.*s: not %sCIDR%s", shown, s, fmt->pre[0], fmt->post[0]);
}

/* Every entry of buf into out; `strict` (the check of what was written)
 * also wants each line exactly as render writes it.  0, or -1 with err
 * set and err->line the line. */
static int
read_lines(const struct cidrfile_fmt *fmt, const char *buf, size_t len, bool strict,
	   struct pset *out, struct err *err)
{
	size_t line = 0;
	bool seen6 = false;

	if (strict && len && buf[len - 1] != '\n')
		return err_set(err, "last line unterminated");
	for (size_t pos = 0; pos < len;) {
		const char *end = memchr(buf + pos, '\n', len - pos);
		size_t n = end ? (size_t)(end - (buf + pos)) : len - pos;
		const char *s = buf + pos;
		struct pfx x;
		int r;

		line++;
		pos += n + 1;
		if ((r = parse_line(fmt, s, n, &x, err)) < 0) {
			err->line = line;
			return -1;
		}
		if (strict && r == 0 && n && s[0] != '#')
			return err_set_line(err, line, "blank line with white space");
		if (r == 0)
			continue;
		if (strict) {
			char canon[PFX_TEXT_MAX];
			int k = fam_index(x.fam);
			size_t a = strlen(fmt->pre[k]), b = strlen(fmt->post[k]);
			size_t clen = pfx_format_cidr(x.fam, x.r.lo, x.len, canon);

			if (x.host_bits)
				return err_set_line(err, line, "host bits set");
			if (n != a + clen + b || memcmp(s + a, canon, clen) != 0 ||
			    !wrapped(s, n, fmt->pre[k], fmt->post[k]))
				return err_set_line(err, line, "not in canonical %s%s%s form",
						    fmt->pre[k], canon, fmt->post[k]);
			if (x.fam == PFX_V4 && seen6)
				return err_set_line(err, line, "IPv4 after IPv6");
			seen6 |= x.fam == PFX_V6;
		}
		if (pset_add_pfx(out, &x) < 0)
			return err_set_line(err, line, "out of memory");
	}
	return 0;
}

int
cidrfile_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	const struct cidrfile *c = o->priv;
	char *buf = NULL;
	size_t len;
	int r;

	(void)ctx;
	if ((r = atomicfile_read(c->of.path, &buf, &len, err)) != 0)
		return r > 0 ? 0 : -1;
	r = read_lines(c->fmt, buf, len, false, live, err);
	free(buf);
	if (r < 0)
		return err_prefix(err, "cannot read the current %s:%zu", c->of.path, err->line);
	return 0;
}

/* What reached the disk: every line in render's form, together `want`. */
static int
cidrfile_verify(const struct output *o, const struct pset *want, const char *buf, size_t len,
		struct err *err)
{
	const struct cidrfile *c = o->priv;
	struct pset *got = pset_new();
	int rc = -1;

	if (!got)
		return err_set(err, "out of memory");
	if (read_lines(c->fmt, buf, len, true, got, err) < 0) {
		if (err->line)
			err_prefix(err, "line %zu", err->line);
		err_prefix(err, "check of the new %s", c->fmt->what);
		goto out;
	}
	if (pset_merge(got) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!pset_equal(got, want)) {
		err_set(err, "check of the new %s: it does not hold the wanted set", c->fmt->what);
		goto out;
	}
	rc = 0;
out:
	pset_free(got);
	return rc;
}

int
cidrfile_configure(struct output *o, const struct conf_section *sec,
		   const struct cidrfile_fmt *fmt, struct err *err)
{
	struct cidrfile *c = outfile_configure(o, sec, sizeof *c, cidrfile_verify, err);

	if (!c)
		return -1;
	c->fmt = fmt;
	return 0;
}
