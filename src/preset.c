/* preset — fill a [source] from the presets file (see preset.h). */
#include "preset.h"

#include "confkv.h"

#include <stdlib.h>
#include <string.h>

const char *
preset_path(void)
{
	const char *env = getenv("ALLOWSYNC_PRESETS");

	return env && *env ? env : ALLOWSYNC_DATADIR "/presets.conf";
}

static int
read_presets(struct preset_file *pf, const struct conf_section *sec, const char *name,
	     struct err *err)
{
	struct err perr;

	if (!(pf->path = strdup(preset_path()))) {
		conf_err_set(err, sec, "preset", "out of memory");
		return -1;
	}
	if (confkv_read(pf->path, false, &pf->secs, &pf->n_secs, &perr) < 0) {
		conf_err_set(err, sec, "preset", "preset \"%s\": presets file: %s", name, perr.msg);
		return -1;
	}
	pf->read = true;
	return 0;
}

int
preset_apply(struct preset_file *pf, struct conf_section *sec, struct err *err)
{
	const char *name = conf_get(sec, "preset");
	const struct conf_section *p = NULL;

	if (!pf->read && read_presets(pf, sec, name, err) < 0)
		return -1;
	for (size_t i = 0; i < pf->n_secs; i++)
		if (pf->secs[i]->kind == CONF_SOURCE && strcmp(pf->secs[i]->name, name) == 0)
			p = pf->secs[i];
	if (!p) {
		conf_err_set(err, sec, "preset", "unknown preset \"%s\" (see allowsync presets)",
			     name);
		return -1;
	}
	if (conf_get(p, "preset")) {
		conf_err_set(err, sec, "preset", "preset \"%s\" itself names a preset", name);
		return -1;
	}
	for (size_t i = 0; i < p->n_kv; i++) {
		if (conf_get_kv(sec, p->kv[i].key))
			continue;
		for (size_t j = 0; j < p->kv[i].n; j++)
			if (confkv_add(sec, p->kv[i].key, p->kv[i].values[j], 0) < 0) {
				conf_err_set(err, sec, "preset", "out of memory");
				return -1;
			}
	}
	return 0;
}

void
preset_file_clear(struct preset_file *pf)
{
	if (!pf)
		return;
	confkv_free(pf->secs, pf->n_secs);
	free(pf->path);
	memset(pf, 0, sizeof *pf);
}
