/* conf — read and check the configuration file.
 *
 * Keys and defaults (also the reference for the man page):
 *
 * [global]
 *   state_dir     = /var/lib/allowsync   state directory (last good copies, lock)
 *   timeout       = 60                   duration, per source (0 refused)
 *   max_body      = 16M                  size, per source document
 *   min_prefix4   = 12                   8..32 (hard floor /8)
 *   min_prefix6   = 28                   16..128 (hard floor /16)
 *   max_entries   = 50000                CIDRs per source (minimal cover, both families)
 *   max_shrink    = 50%                  per output: largest loss of entries/addresses
 *   max_stale     = 7d                   how long a last good copy may serve
 *   allow_special = no                   IANA special-purpose ranges
 *   allow_empty   = no                   an empty source is acceptable
 *   ca_file       =                      extra CA bundle (HTTPS sources)
 *   dns_server    =                      ADDR[:PORT]…, repeatable (SPF sources)
 *   hook_timeout  = 60                   duration, default of every output
 *
 * [source NAME]  NAME: letters, digits, '.', '_', '-' (not first '.'), ≤ 64
 *   type = static|file|…  required unless preset gives it
 *   preset = NAME         keys of [source NAME] in the presets file
 *                         ($ALLOWSYNC_PRESETS, else DATADIR/presets.conf)
 *                         that this section does not set
 *   tags = WORD…          repeatable (for the publisher)
 *   timeout max_body min_prefix4 min_prefix6 max_entries max_stale
 *   allow_special allow_empty ca_file   override [global]
 *   + the type's own keys (static: prefixes, repeatable; file: path)
 *
 * [output NAME]
 *   type = text|postfix|…  required
 *   sources = NAME…        repeatable; default every source
 *   exclude = PREFIX…      repeatable; never allowed
 *   on_change = CMD ARGS…  run after a change (no shell; quotes allowed)
 *   hook_timeout = 60      duration
 *   max_shrink = 50%       override [global]
 *   + the type's keys (text: path, style = cidr|range, header = yes|no;
 *                      postfix: path, result = OK)
 *
 * [publish]  kept raw for the publisher, which checks it (publish.h):
 *            publish loads it, run_load_conf (run.h) checks it for the
 *            other commands, so conf itself need not know the publisher.
 *
 * The file's syntax and its sections are confkv's (confkv.h), what a
 * value means is confval's (confval.h), presets are preset's (preset.h);
 * this builds the typed configuration from them.
 */
#include "conf.h"

#include "confkv.h"
#include "confval.h"
#include "dns.h"
#include "hook.h"
#include "preset.h"
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------- key lists */

static const struct conf_key global_keys[] = {
	{"state_dir", 0},   {"timeout", 0},     {"max_body", 0},      {"min_prefix4", 0},
	{"min_prefix6", 0}, {"max_entries", 0}, {"max_shrink", 0},    {"max_stale", 0},
	{"allow_special", 0}, {"allow_empty", 0}, {"ca_file", 0},
	{"dns_server", CONF_KEY_MULTI}, {"hook_timeout", 0}, {NULL, 0},
};

/* What is not content (CONF_KEY_NOT_CONTENT, source.h) is left out of a
 * source's origin: the limits judge a list, they do not make it; ca_file
 * is how the same URL is authenticated; a preset's keys count, not its
 * name.  tags counts: it filters format = allowsync documents. */
#define NC CONF_KEY_NOT_CONTENT
static const struct conf_key source_common_keys[] = {
	{"type", 0},         {"preset", NC},        {"tags", CONF_KEY_MULTI}, {"timeout", NC},
	{"max_body", NC},    {"min_prefix4", NC},   {"min_prefix6", NC},      {"max_entries", NC},
	{"max_stale", NC},   {"allow_special", NC}, {"allow_empty", NC},      {"ca_file", NC},
	{NULL, 0},
};
#undef NC

static const struct conf_key output_common_keys[] = {
	{"type", CONF_KEY_REQUIRED}, {"sources", CONF_KEY_MULTI}, {"exclude", CONF_KEY_MULTI},
	{"on_change", 0},            {"hook_timeout", 0},         {"max_shrink", 0},
	{NULL, 0},
};

/* ---------------------------------------------------------------- limits */

static int
get_floor(const struct conf_section *sec, const char *key, int hard, int bits, int *v,
	  struct err *err)
{
	uint64_t x;
	const char *s = conf_get(sec, key);

	if (!s)
		return 0;
	if (conf_get_uint(sec, key, 1000, &x, err) < 0)
		return -1;
	if (x < (uint64_t)hard) {
		conf_err_set(err, sec, key, "%s = %s is below the hard floor /%d", key, s, hard);
		return -1;
	}
	if (x > (uint64_t)bits) {
		conf_err_set(err, sec, key, "%s = %s: longer than /%d", key, s, bits);
		return -1;
	}
	*v = (int)x;
	return 0;
}

/* The limit keys shared by [global] and [source]: overrides `l`. */
static int
get_limits(const struct conf_section *sec, struct source_limits *l, struct err *err)
{
	const char *ca;

	if (conf_get_duration(sec, "timeout", &l->timeout, err) < 0 ||
	    conf_get_size(sec, "max_body", &l->max_body, err) < 0 ||
	    get_floor(sec, "min_prefix4", CONF_HARD_FLOOR4, 32, &l->min_prefix4, err) < 0 ||
	    get_floor(sec, "min_prefix6", CONF_HARD_FLOOR6, 128, &l->min_prefix6, err) < 0 ||
	    conf_get_uint(sec, "max_entries", UINT32_MAX, &l->max_entries, err) < 0 ||
	    conf_get_duration(sec, "max_stale", &l->max_stale, err) < 0 ||
	    conf_get_bool(sec, "allow_special", &l->allow_special, err) < 0 ||
	    conf_get_bool(sec, "allow_empty", &l->allow_empty, err) < 0)
		return -1;
	if ((ca = conf_get(sec, "ca_file")))
		l->ca_file = *ca ? ca : NULL;
	if (l->timeout == 0) {
		conf_err_set(err, sec, "timeout", "timeout = 0: a source needs some time");
		return -1;
	}
	if (l->max_body == 0) {
		conf_err_set(err, sec, "max_body", "max_body = 0 refuses every document");
		return -1;
	}
	if (l->max_entries == 0 && !l->allow_empty) {
		conf_err_set(err, sec, "max_entries",
			     "max_entries = 0 contradicts allow_empty = no: nothing could pass");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- objects */

static void
source_free(struct source *s)
{
	if (!s)
		return;
	if (s->type && s->type->free)
		s->type->free(s);
	conf_words_free(s->tags);
	free(s->name);
	free(s);
}

static void
output_free(struct output *o)
{
	if (!o)
		return;
	if (o->type && o->type->free)
		o->type->free(o);
	free(o->sources);
	pset_free(o->exclude);
	hook_argv_free(o->on_change);
	free(o->name);
	free(o);
}

void
conf_free(struct conf *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_outputs; i++)
		output_free(c->outputs[i]);
	free(c->outputs);
	for (size_t i = 0; i < c->n_sources; i++)
		source_free(c->sources[i]);
	free(c->sources);
	conf_words_free(c->dns_servers);
	confkv_free(c->secs, c->n_secs);
	free(c->state_dir);
	free(c->path);
	free(c);
}

struct source *
conf_find_source(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_sources; i++)
		if (strcmp(c->sources[i]->name, name) == 0)
			return c->sources[i];
	return NULL;
}

struct output *
conf_find_output(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->n_outputs; i++)
		if (strcmp(c->outputs[i]->name, name) == 0)
			return c->outputs[i];
	return NULL;
}

static int
oom(struct err *err, const struct conf_section *sec)
{
	conf_err_set(err, sec, NULL, "out of memory");
	return -1;
}

static int
load_global(struct conf *c, const struct conf_section *g, struct err *err)
{
	const char *sd;
	size_t n;

	if (conf_check_keys(g, global_keys, NULL, "[global]", err) < 0 ||
	    get_limits(g, &c->limits, err) < 0 ||
	    conf_get_percent(g, "max_shrink", &c->max_shrink, err) < 0 ||
	    conf_get_duration(g, "hook_timeout", &c->hook_timeout, err) < 0)
		return -1;
	if ((sd = conf_get(g, "state_dir"))) {
		if (sd[0] != '/') {
			conf_err_set(err, g, "state_dir", "state_dir = %s: not an absolute path", sd);
			return -1;
		}
		free(c->state_dir);
		if (!(c->state_dir = strdup(sd)))
			return oom(err, g);
	}
	conf_words_free(c->dns_servers);
	if (!(c->dns_servers = conf_get_words(g, "dns_server", &n)))
		return oom(err, g);
	c->n_dns_servers = n;
	/* A bad server would otherwise only show when an SPF source runs. */
	for (size_t i = 0; i < n; i++)
		if (dns_servers_check(c->dns_servers[i], err) < 0) {
			conf_err_set(err, g, "dns_server", "%s", err->msg);
			return -1;
		}
	return 0;
}

static int
load_source(struct conf *c, struct conf_section *sec, struct err *err)
{
	char what[128];
	const char *tname = conf_get(sec, "type");
	struct source *s = calloc(1, sizeof *s);

	snprintf(what, sizeof what, "[source %s]", sec->name);
	if (!s)
		return oom(err, sec);
	if (!(s->name = strdup(sec->name))) {
		free(s);
		return oom(err, sec);
	}
	c->sources[c->n_sources++] = s;
	s->sec = sec;
	s->limits = c->limits;
	if (!tname) {
		conf_err_set(err, sec, NULL, "%s: missing required key \"type\"", what);
		return -1;
	}
	if (!(s->type = registry_source(tname))) {
		conf_err_set(err, sec, "type", "%s: unknown source type \"%s\"", what, tname);
		return -1;
	}
	if (conf_check_keys(sec, source_common_keys, s->type->keys, what, err) < 0 ||
	    get_limits(sec, &s->limits, err) < 0)
		return -1;
	if (!(s->tags = conf_get_words(sec, "tags", &s->n_tags)))
		return oom(err, sec);
	if (s->type->configure && s->type->configure(s, sec, err) < 0)
		return -1;
	if (source_fingerprint(s, sec, source_common_keys, err) < 0) {
		conf_err_set(err, sec, NULL, "%s: %s", what, err->msg);
		return -1;
	}
	return 0;
}


static int
load_exclude(struct output *o, const struct conf_section *sec, struct err *err)
{
	char what[96]; /* names are at most 64 characters */

	snprintf(what, sizeof what, "output %s", o->name);
	return conf_get_prefixes(sec, "exclude", what, o->exclude, err);
}

static int
load_output(struct conf *c, struct conf_section *sec, struct err *err)
{
	char what[128];
	const char *tname = conf_get(sec, "type"), *hook;
	struct output *o = calloc(1, sizeof *o);
	char **names = NULL;
	size_t n_names;
	int rc = -1;

	snprintf(what, sizeof what, "[output %s]", sec->name);
	if (!o)
		return oom(err, sec);
	if (!(o->name = strdup(sec->name)) || !(o->exclude = pset_new())) {
		output_free(o);
		return oom(err, sec);
	}
	c->outputs[c->n_outputs++] = o;
	o->sec = sec;
	o->max_shrink = c->max_shrink;
	o->hook_timeout = c->hook_timeout;
	if (!tname) {
		conf_err_set(err, sec, NULL, "%s: missing required key \"type\"", what);
		return -1;
	}
	if (!(o->type = registry_output(tname))) {
		conf_err_set(err, sec, "type", "%s: unknown output type \"%s\"", what, tname);
		return -1;
	}
	if (conf_check_keys(sec, output_common_keys, o->type->keys, what, err) < 0 ||
	    conf_get_percent(sec, "max_shrink", &o->max_shrink, err) < 0 ||
	    conf_get_duration(sec, "hook_timeout", &o->hook_timeout, err) < 0 ||
	    load_exclude(o, sec, err) < 0)
		return -1;
	if (o->hook_timeout == 0) {
		conf_err_set(err, sec, "hook_timeout", "hook_timeout = 0: a hook needs some time");
		return -1;
	}
	if ((hook = conf_get(sec, "on_change"))) {
		if (!(o->on_change = hook_split(hook, err))) {
			conf_err_set(err, sec, "on_change", "on_change: %s", err->msg);
			return -1;
		}
	}
	if (!(names = conf_get_words(sec, "sources", &n_names)))
		return oom(err, sec);
	if (!(o->sources = calloc(n_names ? n_names : c->n_sources + 1, sizeof *o->sources)))
		goto nomem;
	if (!conf_get_kv(sec, "sources")) {
		for (size_t i = 0; i < c->n_sources; i++)
			o->sources[o->n_sources++] = c->sources[i];
	} else if (n_names == 0) {
		conf_err_set(err, sec, "sources", "%s: sources is empty", what);
		goto out;
	}
	for (size_t i = 0; i < n_names; i++) {
		struct source *s = conf_find_source(c, names[i]);
		if (!s) {
			conf_err_set(err, sec, "sources", "%s: unknown source \"%s\"", what, names[i]);
			goto out;
		}
		for (size_t j = 0; j < o->n_sources; j++)
			if (o->sources[j] == s) {
				conf_err_set(err, sec, "sources", "%s: source \"%s\" listed twice", what,
					     names[i]);
				goto out;
			}
		o->sources[o->n_sources++] = s;
	}
	if (o->type->configure && o->type->configure(o, sec, err) < 0)
		goto out;
	rc = 0;
	goto out;
nomem:
	rc = oom(err, sec);
out:
	conf_words_free(names);
	return rc;
}

int
conf_load(const char *path, unsigned flags, struct conf **out, struct err *err)
{
	struct conf *c = calloc(1, sizeof *c);
	struct preset_file presets = {0};
	size_t n_src = 0, n_out = 0;
	const struct conf_section *global = NULL;
	int rc = -1;

	err_clear(err);
	if (!c || !(c->path = strdup(path)) || !(c->state_dir = strdup(CONF_DEFAULT_STATE_DIR))) {
		conf_err_file(err, path, 0, "out of memory");
		goto out;
	}
	c->limits = (struct source_limits){
		.timeout = CONF_DEFAULT_TIMEOUT,
		.max_body = CONF_DEFAULT_MAX_BODY,
		.min_prefix4 = CONF_DEFAULT_MIN_PREFIX4,
		.min_prefix6 = CONF_DEFAULT_MIN_PREFIX6,
		.max_entries = CONF_DEFAULT_MAX_ENTRIES,
		.max_stale = CONF_DEFAULT_MAX_STALE,
	};
	c->max_shrink = CONF_DEFAULT_MAX_SHRINK;
	c->hook_timeout = CONF_DEFAULT_HOOK_TIMEOUT;
	if (!(c->dns_servers = calloc(1, sizeof *c->dns_servers))) {
		conf_err_file(err, path, 0, "out of memory");
		goto out;
	}
	bool owner_check = !(flags & CONF_LOAD_NO_OWNER_CHECK) && geteuid() == 0;
	if (confkv_read(c->path, owner_check, &c->secs, &c->n_secs, err) < 0)
		goto out;

	for (size_t i = 0; i < c->n_secs; i++) {
		if (c->secs[i]->kind == CONF_GLOBAL)
			global = c->secs[i];
		n_src += c->secs[i]->kind == CONF_SOURCE;
		n_out += c->secs[i]->kind == CONF_OUTPUT;
		if (c->secs[i]->kind == CONF_PUBLISH)
			c->publish = c->secs[i];
	}
	if (global && load_global(c, global, err) < 0)
		goto out;
	if (n_src == 0) {
		conf_err_file(err, c->path, 0, "no [source NAME] section: nothing to allow");
		goto out;
	}
	if (!(c->sources = calloc(n_src, sizeof *c->sources)) ||
	    !(c->outputs = calloc(n_out + 1, sizeof *c->outputs))) {
		conf_err_file(err, path, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < c->n_secs; i++) {
		struct conf_section *sec = c->secs[i];
		if (sec->kind != CONF_SOURCE)
			continue;
		if (conf_get(sec, "preset") && preset_apply(&presets, sec, err) < 0)
			goto out;
		if (load_source(c, sec, err) < 0)
			goto out;
	}
	for (size_t i = 0; i < c->n_secs; i++)
		if (c->secs[i]->kind == CONF_OUTPUT && load_output(c, c->secs[i], err) < 0)
			goto out;
	for (size_t i = 0; i < c->n_outputs; i++)
		for (size_t j = 0; j < i; j++) {
			const struct output *a = c->outputs[j], *b = c->outputs[i];
			if (a->target && b->target && strcmp(a->target, b->target) == 0) {
				conf_err_set(err, b->sec, NULL,
					     "[output %s] writes %s, as [output %s] does (line %u)",
					     b->name, b->target, a->name, a->sec->line);
				goto out;
			}
		}
	*out = c;
	c = NULL;
	rc = 0;
out:
	preset_file_clear(&presets);
	conf_free(c);
	return rc;
}
