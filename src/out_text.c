/* out_text — a plain list, one CIDR (style = cidr) or range (style =
 * range) per line, IPv4 then IPv6, with an optional header naming the
 * sources and no timestamp. */
#include "out_text.h"

#include "confkv.h"
#include "confval.h"
#include "outfile.h"
#include "parse_text.h"

#include <stdlib.h>
#include <string.h>

struct text {
	struct outfile of; /* first: outfile.c finds it in o->priv */
	bool ranges;
	bool header;
};

static const struct conf_key text_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{"style", 0},
	{"header", 0},
	{NULL, 0},
};

static int
text_configure(struct output *o, const struct conf_section *sec, struct err *err)
{
	struct text *t = outfile_configure(o, sec, sizeof *t, NULL, err);
	const char *style = conf_get(sec, "style"), *header = conf_get(sec, "header"), *r;

	if (!t)
		return -1;
	t->header = true;
	if (style && strcmp(style, "range") == 0) {
		t->ranges = true;
	} else if (style && strcmp(style, "cidr") != 0) {
		conf_err_set(err, sec, "style", "[output %s] style = %s: use cidr or range", o->name,
			     style);
		return -1;
	}
	if (header && (r = conf_parse_bool(header, &t->header))) {
		conf_err_set(err, sec, "header", "[output %s] header = %s: %s", o->name, header, r);
		return -1;
	}
	return 0;
}

static int
put_cidr(void *ctx, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_TEXT_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	return fprintf(ctx, "%s\n", buf) < 0 ? -1 : 0;
}

static int
text_render(const struct output *o, const struct pset *want, FILE *f)
{
	const struct text *t = o->priv;
	static const enum pfx_family fams[] = {PFX_V4, PFX_V6};

	if (t->header)
		outfile_header(o, f);
	for (int k = 0; k < 2; k++) {
		if (!t->ranges) {
			if (pset_each_cidr(want, fams[k], put_cidr, f) != 0)
				return -1;
			continue;
		}
		for (size_t i = 0, n = pset_count(want, fams[k]); i < n; i++) {
			char buf[PFX_TEXT_MAX];
			struct pfx_range r = pset_get(want, fams[k], i);
			pfx_format_range(fams[k], &r, buf);
			if (fprintf(f, "%s\n", buf) < 0)
				return -1;
		}
	}
	return ferror(f) ? -1 : 0;
}

static int
text_live(struct output *o, const struct output_ctx *ctx, struct pset *live, struct err *err)
{
	const struct text *t = o->priv;
	char *buf = NULL;
	size_t len;
	int r;

	(void)ctx;
	if ((r = atomicfile_read(t->of.path, &buf, &len, err)) != 0)
		return r > 0 ? 0 : -1;
	r = parse_text_buf(t->of.path, buf, len, live, err);
	free(buf);
	if (r < 0)
		return err_prefix(err, "cannot read the current %s:%zu", t->of.path, err->line);
	return 0;
}

const struct output_type out_text = {
	.name = "text",
	.keys = text_keys,
	.configure = text_configure,
	.live = text_live,
	.prepare = outfile_prepare,
	.commit = outfile_commit,
	.abort = outfile_abort,
	.render = text_render,
	.free = outfile_free,
};
