/* src_static — prefixes written in the configuration (`prefixes = …`). */
#include "src_static.h"

#include "confkv.h"
#include "confval.h"

#include <stdio.h>
#include <string.h>

static const struct conf_key static_keys[] = {
	{"prefixes", CONF_KEY_REQUIRED | CONF_KEY_MULTI},
	{NULL, 0},
};

static int
static_configure(struct source *src, const struct conf_section *sec, struct err *err)
{
	char what[96]; /* names are at most 64 characters */
	struct pset *set = pset_new();

	if (!set) {
		conf_err_set(err, sec, "prefixes", "out of memory");
		return -1;
	}
	src->priv = set;
	snprintf(what, sizeof what, "source %s", src->name);
	return conf_get_prefixes(sec, "prefixes", what, set, err);
}

static int
static_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
	       struct err *err)
{
	(void)ctx;
	snprintf(res->origin, sizeof res->origin, "configuration");
	if (pset_add_set(res->set, src->priv) < 0)
		return err_set(err, "out of memory");
	return 0;
}

static void
static_free(struct source *src)
{
	pset_free(src->priv);
	src->priv = NULL;
}

const struct source_type src_static = {
	.name = "static",
	.local = true,
	.keys = static_keys,
	.configure = static_configure,
	.collect = static_collect,
	.free = static_free,
};
