/* src_file — a local text list (`path = …`), read with parse_text. */
#include "src_file.h"

#include "conf.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct conf_key file_keys[] = {
	{"path", CONF_KEY_REQUIRED},
	{NULL, 0},
};

static int
file_configure(struct source *src, const struct conf_section *sec, struct conf_err *err)
{
	const char *path = conf_get(sec, "path");

	if (path[0] != '/') {
		conf_err_set(err, sec, "path", "[source %s] path = %s: not an absolute path",
			     src->name, path);
		return -1;
	}
	if (!(src->priv = strdup(path))) {
		conf_err_set(err, sec, "path", "out of memory");
		return -1;
	}
	return 0;
}

static int
file_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res)
{
	const char *path = src->priv;
	struct parse_err perr = {0};

	(void)ctx;
	snprintf(res->origin, sizeof res->origin, "file %s", path);
	if (parse_text_file(path, res->set, &perr) < 0) {
		if (perr.line)
			snprintf(res->error, sizeof res->error, "%s:%zu: %s", path, perr.line,
				 perr.reason);
		else
			snprintf(res->error, sizeof res->error, "%s: %s", path, perr.reason);
		return -1;
	}
	return 0;
}

static void
file_free(struct source *src)
{
	free(src->priv);
	src->priv = NULL;
}

const struct source_type src_file = {
	.name = "file",
	.keys = file_keys,
	.configure = file_configure,
	.collect = file_collect,
	.free = file_free,
};
