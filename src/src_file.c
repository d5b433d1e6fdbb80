/* src_file — a local document (`path = …`): a text list by default, or
 * any document format (format/select/sha256, see docformat.h). */
#include "src_file.h"

#include "confkv.h"
#include "docformat.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_key file_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	DOCFORMAT_KEYS,
	{NULL, 0},
};

struct file_src {
	char *path;
	struct docformat *fmt;
};

static int
file_configure(struct source *src, const struct conf_section *sec, struct err *err)
{
	const char *path = conf_get(sec, "path");
	struct file_src *f;

	if (path[0] != '/') {
		conf_err_set(err, sec, "path", "[source %s] path = %s: not an absolute path",
			     src->name, path);
		return -1;
	}
	if (!(f = calloc(1, sizeof *f)) || !(f->path = strdup(path))) {
		free(f);
		conf_err_set(err, sec, "path", "out of memory");
		return -1;
	}
	src->priv = f;
	if (!(f->fmt = docformat_new(src->name, sec, err)))
		return -1;
	return 0;
}

static int
file_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
	     struct err *err)
{
	const struct file_src *f = src->priv;
	const char *path = f->path;

	(void)ctx;
	snprintf(res->origin, sizeof res->origin, "file %s", path);
	if (docformat_parse_file(f->fmt, path, src->limits.max_body, src->limits.allow_empty,
				 res->set, err) < 0) {
		if (err->line)
			return err_prefix(err, "%s:%zu", path, err->line);
		return err_prefix(err, "%s", path);
	}
	return 0;
}

static void
file_free(struct source *src)
{
	struct file_src *f = src->priv;

	if (f) {
		docformat_free(f->fmt);
		free(f->path);
		free(f);
	}
	src->priv = NULL;
}

const struct source_type src_file = {
	.name = "file",
	.local = true,
	.keys = file_keys,
	.configure = file_configure,
	.collect = file_collect,
	.free = file_free,
};
