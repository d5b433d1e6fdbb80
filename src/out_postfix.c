/* out_postfix — a Postfix cidr table (check_client_access,
 * postscreen_access_list): "network/len<TAB>result" lines, host bits
 * clear, canonical text, IPv4 then IPv6.  The written file is re-read
 * and checked line by line before it replaces the old one. */
#include "out_postfix.h"

#include "confkv.h"
#include "outfile.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

struct postfix {
	struct outfile of; /* first: outfile.c finds it in o->priv */
	const char *result;
};

static const struct conf_key postfix_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{"result", 0},
	{NULL, 0},
};

static int postfix_verify(const struct output *o, const struct pset *want, const char *buf,
			  size_t len, struct err *err);

static int
postfix_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	struct postfix *p = outfile_configure(o, sec, sizeof *p, postfix_verify, err);
	const char *result = conf_get(sec, "result");

	if (!p)
		return -1;
	if (!result)
		result = "OK";
	/* One word: Postfix would read anything after it as part of the
	 * result, and '#' is not a comment there. */
	if (!*result || result[0] == '#' || strpbrk(result, " \t\r\n")) {
		conf_err_set(err, sec, "result",
			     "[output %s] result = \"%s\": one word such as OK, permit or dunno",
			     o->name, result);
		return -1;
	}
	p->result = result;
	return 0;
}

struct put_ctx {
	FILE *f;
	const char *result;
};

static int
put_line(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	const struct put_ctx *pc = ctx;
	char buf[PFX_TEXT_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	return fprintf(pc->f, "%s\t%s\n", buf, pc->result) < 0 ? -1 : 0;
}

static int
postfix_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct postfix *p = o->priv;
	struct put_ctx pc = {f, p->result};

	outfile_header(o, f);
	if (pset_each_cidr(want, PFX_V4, put_line, &pc) != 0 ||
	    pset_each_cidr(want, PFX_V6, put_line, &pc) != 0)
		return -1;
	return ferror(f) ? -1 : 0;
}

/* One table line: the network (pfx parsed) and where the result starts.
 * 1 = entry, 0 = blank/comment, -1 = bad (err set). */
static int
parse_line(const char *line, size_t n, struct pfx *x, size_t *res_off, struct err *err)
{
	size_t i = 0, w;

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i == n || line[i] == '#')
		return 0;
	w = i;
	while (w < n && !isspace((unsigned char)line[w]))
		w++;
	if (!pfx_parse(line + i, w - i, x, err))
		return -1;
	if (x->len < 0)
		return err_set(err, "a range, not network/len");
	while (w < n && (line[w] == ' ' || line[w] == '\t'))
		w++;
	*res_off = w;
	return 1;
}

static int
postfix_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	const struct postfix *p = o->priv;
	char *buf = NULL;
	size_t len, line = 0;
	int r;

	(void)ctx;
	if ((r = atomicfile_read(p->of.path, &buf, &len, err)) != 0)
		return r > 0 ? 0 : -1;
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (end < len && buf[end] != '\n')
			end++;
		line++;
		struct pfx x;
		size_t off;
		r = parse_line(buf + pos, end - pos, &x, &off, err);
		if (r < 0) {
			err_prefix(err, "cannot read the current %s:%zu", p->of.path, line);
			free(buf);
			return -1;
		}
		if (r > 0 && pset_add_pfx(live, &x) < 0) {
			err_set(err, "out of memory");
			free(buf);
			return -1;
		}
		pos = end + 1;
	}
	free(buf);
	return 0;
}

/* Every line exactly as Postfix must read it, and together exactly `want`. */
static int
postfix_verify(const struct output *o, const struct pset *want, const char *buf, size_t len,
	       struct err *err)
{
	const struct postfix *p = o->priv;
	struct pset *got = pset_new();
	size_t line = 0, rlen = strlen(p->result);
	bool seen6 = false;
	int rc = -1;

	if (!got) {
		err_set(err, "out of memory");
		return -1;
	}
	if (len && buf[len - 1] != '\n') {
		err_set(err, "check of the new table: last line unterminated");
		goto out;
	}
	for (size_t pos = 0; pos < len;) {
		size_t end = pos;
		while (buf[end] != '\n')
			end++;
		line++;
		struct pfx x;
		size_t off;
		const char *reason = NULL;
		char canon[PFX_TEXT_MAX];
		int r = parse_line(buf + pos, end - pos, &x, &off, err);
		if (r == 0 && buf[pos] != '#' && end != pos) {
			reason = "blank line with white space";
			r = -1;
		}
		if (r > 0) {
			size_t clen = pfx_format_cidr(x.fam, x.r.lo, x.len, canon);
			if (x.host_bits)
				reason = "host bits set";
			else if (end - pos != clen + 1 + rlen || memcmp(buf + pos, canon, clen) != 0)
				reason = "not in canonical network/len<TAB>result form";
			else if (buf[pos + clen] != '\t' || memcmp(buf + pos + off, p->result, rlen))
				reason = "result differs";
			else if (x.fam == PFX_V4 && seen6)
				reason = "IPv4 after IPv6";
			if (reason)
				r = -1;
			seen6 |= x.fam == PFX_V6;
		}
		if (r < 0) {
			/* The parser's reason, unless a check of ours refused it. */
			if (reason)
				err_set(err, "%s", reason);
			err_prefix(err, "check of the new table: line %zu", line);
			goto out;
		}
		if (r > 0 && pset_add_pfx(got, &x) < 0) {
			err_set(err, "out of memory");
			goto out;
		}
		pos = end + 1;
	}
	if (pset_merge(got) < 0) {
		err_set(err, "out of memory");
		goto out;
	}
	if (!pset_equal(got, want)) {
		err_set(err, "check of the new table: it does not hold the wanted set");
		goto out;
	}
	rc = 0;
out:
	pset_free(got);
	return rc;
}

const struct output_type out_postfix = {
	.name = "postfix",
	.keys = postfix_keys,
	.configure = postfix_configure,
	.live = postfix_live,
	.prepare = outfile_prepare,
	.commit = outfile_commit,
	.abort = outfile_abort,
	.render = postfix_render,
	.free = outfile_free,
};
