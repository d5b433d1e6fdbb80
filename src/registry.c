/* registry — the source and output types, one line each. */
#include "registry.h"

#include "out_exim.h"
#include "out_ipset.h"
#include "out_nft.h"
#include "out_nftfile.h"
#include "out_nginx.h"
#include "out_postfix.h"
#include "out_text.h"
#include "src_file.h"
#include "src_spf.h"
#include "src_static.h"
#include "src_url.h"

#include <stdio.h>
#include <string.h>

const struct source_type *const registry_sources[] = {
	&src_static,
	&src_file,
	&src_spf,
	&src_url,
	NULL,
};

const struct output_type *const registry_outputs[] = {
	&out_text,
	&out_postfix,
	&out_nft,
	&out_nftfile,
	&out_nginx,
	&out_exim,
	&out_ipset,
	NULL,
};

static void
append(char buf[REGISTRY_NAMES_MAX], size_t *used, const char *name)
{
	int n = snprintf(buf + *used, REGISTRY_NAMES_MAX - *used, "%s%s", *used ? ", " : "", name);

	if (n > 0 && (size_t)n < REGISTRY_NAMES_MAX - *used)
		*used += (size_t)n;
}

void
registry_source_names(char buf[REGISTRY_NAMES_MAX])
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; registry_sources[i]; i++)
		append(buf, &used, registry_sources[i]->name);
}

void
registry_output_names(char buf[REGISTRY_NAMES_MAX])
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; registry_outputs[i]; i++)
		append(buf, &used, registry_outputs[i]->name);
}

const struct source_type *
registry_source(const char *name)
{
	for (size_t i = 0; registry_sources[i]; i++)
		if (strcmp(registry_sources[i]->name, name) == 0)
			return registry_sources[i];
	return NULL;
}

const struct output_type *
registry_output(const char *name)
{
	for (size_t i = 0; registry_outputs[i]; i++)
		if (strcmp(registry_outputs[i]->name, name) == 0)
			return registry_outputs[i];
	return NULL;
}
