/* conf — read and check the configuration file.
 *
 * Keys and defaults (also the reference for the man page):
 *
 * [global]
 *   state_dir     = /var/lib/allowsync   state directory (last good copies, lock);
 *                                        as root: root's, not group/other-writable
 *   timeout       = 60                   duration, per source (0 refused)
 *   max_body      = 16M                  size, per source document
 *   min_prefix4   = 12                   8..32 (hard floor /8)
 *   min_prefix6   = 28                   16..128 (hard floor /16)
 *   max_entries   = 50000                CIDRs per source (minimal cover, both families)
 *   max_shrink    = 50%                  per output: largest loss of entries/addresses
 *   max_growth    = 10x                  per output: largest growth of entries/addresses
 *   max_addresses4 = /5                  per source and output: most IPv4 addresses granted
 *   max_addresses6 = /24                 (IPv6), counted after merging and exclude
 *   max_stale     = 7d                   how long a last good copy may serve
 *   max_degraded  = 3d                   how long a source may be served from its
 *                                        last good copy before the run fails (0 = never)
 *   metrics_file  =                      Prometheus text file written after each run
 *                                        (absolute, *.prom, its directory there)
 *   allow_special = no                   IANA special-purpose ranges
 *   allow_empty   = no                   an empty source is acceptable
 *   ca_file       =                      extra CA bundle (HTTPS sources)
 *   dns_server    =                      ADDR[:PORT]…, repeatable (SPF sources)
 *   hook_timeout  = 60                   duration, default of every output
 *   splay         = 0                    run: wait a random time up to this
 *                                        before collecting (splay.h), ≤ 1d
 *
 * [source NAME]  NAME: letters, digits, '.', '_', '-' (not first '.'), ≤ 64
 *   type = static|file|…  required unless preset gives it
 *   preset = NAME         keys of [source NAME] in the presets file
 *                         ($ALLOWSYNC_PRESETS, else DATADIR/presets.conf)
 *                         that this section does not set
 *   tags = WORD…          repeatable (for the publisher)
 *   timeout max_body min_prefix4 min_prefix6 max_entries max_addresses4
 *   max_addresses6 max_stale max_degraded allow_special allow_empty ca_file
 *                         override [global]
 *   + the type's own keys (static: prefixes, repeatable; file: path)
 *
 * [output NAME]
 *   type = text|postfix|…  required
 *   sources = NAME…        repeatable; default every source
 *   exclude = PREFIX…      repeatable; never allowed
 *   on_change = CMD ARGS…  run after a change (no shell; quotes allowed)
 *   hook_timeout = 60      duration
 *   max_shrink = 50%       override [global]
 *   max_growth max_addresses4 max_addresses6   override [global]
 *   + the type's keys (text: path, style = cidr|range, header = yes|no;
 *                      postfix: path, use = access|postscreen, result =
 *                      OK|permit (by use), allow_relay = no,
 *                      postfix_config_dir)
 *   A file output's path is compared canonicalised (check_targets): not
 *   another output's file, not the configuration, not in state_dir but
 *   below state_dir/lists/.
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
#include "splay.h"
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------- key lists */

static const struct conf_key global_keys[] = {
	{"state_dir", 0},   {"timeout", 0},     {"max_body", 0},      {"min_prefix4", 0},
	{"min_prefix6", 0}, {"max_entries", 0}, {"max_shrink", 0},    {"max_stale", 0},
	{"allow_special", 0}, {"allow_empty", 0}, {"ca_file", 0},
	{"dns_server", CONF_KEY_MULTI}, {"hook_timeout", 0}, {"max_growth", 0},
	{"max_addresses4", 0}, {"max_addresses6", 0}, {"max_degraded", 0}, {"metrics_file", 0},
	{"splay", 0}, {NULL, 0},
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
	{"max_addresses4", NC}, {"max_addresses6", NC}, {"max_degraded", NC}, {NULL, 0},
};
#undef NC

static const struct conf_key output_common_keys[] = {
	{"type", CONF_KEY_REQUIRED}, {"sources", CONF_KEY_MULTI}, {"exclude", CONF_KEY_MULTI},
	{"on_change", 0},            {"hook_timeout", 0},         {"max_shrink", 0},
	{"max_growth", 0},           {"max_addresses4", 0},       {"max_addresses6", 0},
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
	    conf_get_count(sec, "max_addresses4", 32, &l->max_addresses4, err) < 0 ||
	    conf_get_count(sec, "max_addresses6", 128, &l->max_addresses6, err) < 0 ||
	    conf_get_duration(sec, "max_stale", &l->max_stale, err) < 0 ||
	    conf_get_duration(sec, "max_degraded", &l->max_degraded, err) < 0 ||
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

/* ------------------------------------------------------------------ paths */

/* `dir` (absolute, or relative to the working directory) with symlinks,
 * "." and ".." resolved as far as it exists: realpath of its longest
 * existing ancestor, then the rest with "." dropped and ".." taken off
 * lexically (a directory that does not exist yet is no symlink now, and
 * every command checks again once it does).  Malloc'd, or NULL with
 * errno (ENOMEM, ENOTDIR: a component is a file, ELOOP…). */
static char *
canon_dir(const char *dir)
{
	size_t n = strlen(dir), cut = n;
	char *head = strdup(dir), *real = NULL, *out;

	if (!head)
		return NULL;
	/* Up to the longest ancestor that resolves (not there yet, or not
	 * searchable by a user who runs `check`). */
	while (!(real = realpath(cut ? head : (dir[0] == '/' ? "/" : "."), NULL))) {
		if ((errno != ENOENT && errno != EACCES) || cut == 0)
			break;
		while (cut > 0 && head[cut - 1] == '/')
			cut--;
		while (cut > 0 && head[cut - 1] != '/')
			cut--;
		head[cut] = 0;
	}
	if (!real) {
		free(head);
		return NULL;
	}
	if (!(out = malloc(strlen(real) + n + 2))) {
		free(real);
		free(head);
		return NULL;
	}
	strcpy(out, real);
	free(real);
	free(head);
	for (const char *p = dir + cut; *p;) {
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(out, '/');
			*(slash == out ? slash + 1 : slash) = 0;
		} else if (len && !(len == 1 && p[0] == '.')) {
			if (strcmp(out, "/") != 0)
				strcat(out, "/");
			strncat(out, p, len);
		}
		p += len;
		p += *p == '/';
	}
	return out;
}

/* The file `path` names: its directory canonicalised (canon_dir) and its
 * own name, which must be one (not "", "." or "..").  The name itself is
 * not followed: a file output refuses a symlink there rather than
 * writing through it (atomicfile.h).  Malloc'd, or NULL with errno (EISDIR: no
 * file name). */
static char *
canon_file(const char *path)
{
	const char *base = strrchr(path, '/');
	char *dir, *cdir, *out;

	base = base ? base + 1 : path;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		errno = EISDIR;
		return NULL;
	}
	if (!(dir = strndup(path, (size_t)(base - path))))
		return NULL;
	cdir = canon_dir(*dir ? dir : ".");
	free(dir);
	if (!cdir)
		return NULL;
	if ((out = malloc(strlen(cdir) + strlen(base) + 2)))
		sprintf(out, "%s%s%s", cdir, strcmp(cdir, "/") == 0 ? "" : "/", base);
	free(cdir);
	return out;
}

/* Whether canonical `p` is `dir` or below it. */
static bool
path_within(const char *p, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(p, dir, n) == 0 && (p[n] == 0 || p[n] == '/');
}

/* What the file outputs must keep off, canonicalised once. */
struct guarded {
	char *conf, *conf_real; /* the configuration file, and where a symlink leads */
	char *state, *lock, *lists;
};

static void
guarded_clear(struct guarded *g)
{
	free(g->conf);
	free(g->conf_real);
	free(g->state);
	free(g->lock);
	free(g->lists);
}

/* The [global] section, or NULL when the file has none. */
static const struct conf_section *
global_section(const struct conf *c)
{
	const struct conf_section *global = NULL;

	for (size_t i = 0; i < c->n_secs; i++)
		if (c->secs[i]->kind == CONF_GLOBAL)
			global = c->secs[i];
	return global;
}

static int
guarded_init(struct guarded *g, const struct conf *c, struct err *err)
{
	*g = (struct guarded){0};
	g->conf_real = realpath(c->path, NULL);
	if (!(g->conf = canon_file(c->path))) {
		conf_err_file(err, c->path, 0, "cannot resolve: %s", strerror(errno));
		return -1;
	}
	if (!(g->state = canon_dir(c->state_dir))) {
		const struct conf_section *global = global_section(c);
		conf_err_file(err, c->path, global ? conf_line(global, "state_dir") : 0,
			      "state_dir = %s: %s", c->state_dir, strerror(errno));
		return -1;
	}
	size_t n = strlen(g->state) + sizeof STATE_LISTS_DIR + 2;
	if (!(g->lock = malloc(n)) || !(g->lists = malloc(n))) {
		conf_err_file(err, c->path, 0, "out of memory");
		return -1;
	}
	snprintf(g->lock, n, "%s/lock", strcmp(g->state, "/") == 0 ? "" : g->state);
	snprintf(g->lists, n, "%s/" STATE_LISTS_DIR, strcmp(g->state, "/") == 0 ? "" : g->state);
	return 0;
}

/* Refuse a file allowsync writes, named by `key` of `sec` (written
 * `path`, canonical `p`; `what` says whose: "[output NAME] path"), where
 * it would overwrite the configuration or the state.  0 or -1 + err. */
static int
check_guarded(const struct conf *c, const struct guarded *g, const struct conf_section *sec,
	      const char *key, const char *what, const char *path, const char *p,
	      struct err *err)
{
	if (strcmp(p, g->conf) == 0 || (g->conf_real && strcmp(p, g->conf_real) == 0))
		conf_err_set(err, sec, key, "%s = %s: the configuration file itself (%s)", what,
			     path, c->path);
	else if (strcmp(p, g->lock) == 0)
		conf_err_set(err, sec, key, "%s = %s: the lock file %s", what, path, g->lock);
	else if (path_within(p, g->state) && !(path_within(p, g->lists) && strcmp(p, g->lists)))
		conf_err_set(err, sec, key,
			     "%s = %s: inside state_dir %s (outputs may write "
			     "there only below %s/)",
			     what, path, g->state, g->lists);
	else
		return 0;
	return -1;
}

/* [global] metrics_file: as guarded as a file output, and none's file. */
static int
check_metrics_file(const struct conf *c, const struct guarded *g, char **canon,
		   struct err *err)
{
	const struct conf_section *global = global_section(c);
	char *p;
	int rc = 0;

	if (!c->metrics_file)
		return 0;
	if (!(p = canon_file(c->metrics_file))) {
		conf_err_set(err, global, "metrics_file", "metrics_file = %s: %s", c->metrics_file,
			     strerror(errno));
		return -1;
	}
	if (check_guarded(c, g, global, "metrics_file", "[global] metrics_file", c->metrics_file,
			  p, err) < 0)
		rc = -1;
	for (size_t k = 0; rc == 0 && k < 2 * c->n_outputs; k++)
		if (canon[k] && strcmp(canon[k], p) == 0) {
			conf_err_set(err, global, "metrics_file",
				     "metrics_file = %s: the file of output \"%s\" (%s)",
				     c->metrics_file, c->outputs[k / 2]->name, p);
			rc = -1;
		}
	free(p);
	return rc;
}

/* What output i writes: its target (k = 2i) and its second file
 * (k = 2i + 1, output.h also_writes), NULL when none; `key` names the
 * key a message points at. */
static const char *
written(const struct conf *c, size_t k, const char **key)
{
	const struct output *o = c->outputs[k / 2];

	*key = k % 2 ? "path (its companion file)" : "path";
	return k % 2 ? o->also_writes : o->target;
}

/* Two outputs on one target, or a file output on the configuration or
 * the state (see output.h); the second file an output writes counts as
 * a target.  Paths are compared canonicalised: two that differ by "..",
 * "." or a symlinked directory name one file. */
static int
check_targets(const struct conf *c, struct err *err)
{
	struct guarded g;
	size_t nk = 2 * c->n_outputs;
	char **canon = calloc(nk + 1, sizeof *canon);
	char what[128]; /* names are at most 64 characters */
	int rc = -1;

	if (!canon) {
		conf_err_file(err, c->path, 0, "out of memory");
		return -1;
	}
	if (guarded_init(&g, c, err) < 0)
		goto out;
	for (size_t k = 0; k < nk; k++) {
		const struct output *b = c->outputs[k / 2];
		const char *key, *file = written(c, k, &key);
		bool is_file = k % 2 || b->target_is_file;

		if (file && is_file) {
			if (!(canon[k] = canon_file(file))) {
				conf_err_set(err, b->sec, "path", "[output %s] %s = %s: %s", b->name, key,
					     file,
					     errno == EISDIR ? "names a directory, not a file"
							     : strerror(errno));
				goto out;
			}
			snprintf(what, sizeof what, "[output %s] %s", b->name, key);
			if (check_guarded(c, &g, b->sec, "path", what, file, canon[k], err) < 0)
				goto out;
		}
		for (size_t j = 0; file && j < k - k % 2; j++) {
			const struct output *a = c->outputs[j / 2];
			const char *akey, *afile = written(c, j, &akey);
			if (!afile)
				continue;
			if (strcmp(afile, file) == 0) {
				conf_err_set(err, b->sec, NULL,
					     "[output %s] writes %s, as [output %s] does (line %u)",
					     b->name, file, a->name, a->sec->line);
				goto out;
			}
			if (canon[k] && canon[j] && strcmp(canon[k], canon[j]) == 0) {
				conf_err_set(err, b->sec, "path",
					     "[output %s] %s = %s: the same file as output \"%s\" (%s)",
					     b->name, key, file, a->name, canon[k]);
				goto out;
			}
		}
	}
	if (check_metrics_file(c, &g, canon, err) < 0)
		goto out;
	rc = 0;
out:
	for (size_t k = 0; k < nk; k++)
		free(canon[k]);
	free(canon);
	guarded_clear(&g);
	return rc;
}

/* As root, the state directory must be root's alone, as the
 * configuration file is (confkv.c): whoever may write there can replace
 * a last good copy or a status, or plant the lock.  Not there yet: the
 * run creates it 0755. */
static int
check_state_dir(const struct conf *c, const struct conf_section *global, struct err *err)
{
	struct stat st;
	const char *why;

	if (stat(c->state_dir, &st) < 0 || !S_ISDIR(st.st_mode) || !(why = conf_unsafe_owner(&st)))
		return 0;
	if (global && conf_get(global, "state_dir"))
		conf_err_set(err, global, "state_dir",
			     "refusing a state_dir %s %s (" CONF_OWNER_RULE ")", c->state_dir, why);
	else
		conf_err_file(err, c->path, 0, "refusing a state_dir %s %s (" CONF_OWNER_RULE ")",
			      c->state_dir, why);
	return -1;
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
	free(c->metrics_file);
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

/* metrics_file: absolute, a *.prom file (node_exporter's textfile
 * collector reads no other name) in a directory that is there, and no
 * symlink or directory itself (atomicfile refuses to replace those).
 * "" = none.  Where it may not be is check_metrics_file's. */
static int
load_metrics_file(struct conf *c, const struct conf_section *g, struct err *err)
{
	const char *p = conf_get(g, "metrics_file"), *why = NULL;
	struct stat st;
	char *dir;
	size_t n;

	if (!p || !*p)
		return 0;
	n = strlen(p);
	if (p[0] != '/')
		why = "not an absolute path";
	else if (n < 6 || strcmp(p + n - 5, ".prom") != 0 || p[n - 6] == '/')
		why = "not a NAME.prom file (node_exporter's textfile collector reads only those)";
	else if (lstat(p, &st) == 0 && !S_ISREG(st.st_mode))
		why = "not a regular file";
	if (why) {
		conf_err_set(err, g, "metrics_file", "metrics_file = %s: %s", p, why);
		return -1;
	}
	if (!(dir = strndup(p, (size_t)(strrchr(p, '/') - p))))
		return oom(err, g);
	int e = stat(*dir ? dir : "/", &st) < 0 ? errno : S_ISDIR(st.st_mode) ? 0 : ENOTDIR;
	if (e) {
		conf_err_set(err, g, "metrics_file", "metrics_file = %s: directory %s: %s", p, dir,
			     strerror(e));
		free(dir);
		return -1;
	}
	free(dir);
	if (!(c->metrics_file = strdup(p)))
		return oom(err, g);
	return 0;
}

static int
load_global(struct conf *c, const struct conf_section *g, struct err *err)
{
	const char *sd, *v, *why;
	size_t n;

	if (conf_check_keys(g, global_keys, NULL, "[global]", err) < 0 ||
	    get_limits(g, &c->limits, err) < 0 ||
	    conf_get_percent(g, "max_shrink", &c->max_shrink, err) < 0 ||
	    conf_get_factor(g, "max_growth", &c->max_growth, err) < 0 ||
	    conf_get_duration(g, "hook_timeout", &c->hook_timeout, err) < 0 ||
	    load_metrics_file(c, g, err) < 0)
		return -1;
	if ((v = conf_get(g, "splay")) && (why = splay_parse(v, &c->splay))) {
		conf_err_set(err, g, "splay", "splay = %s: %s", v, why);
		return -1;
	}
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
		char known[REGISTRY_NAMES_MAX];
		registry_source_names(known);
		conf_err_set(err, sec, "type", "%s: unknown source type \"%s\" (one of %s)", what,
			     tname, known);
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
	o->max_growth = c->max_growth;
	o->max_addresses4 = c->limits.max_addresses4;
	o->max_addresses6 = c->limits.max_addresses6;
	o->hook_timeout = c->hook_timeout;
	if (!tname) {
		conf_err_set(err, sec, NULL, "%s: missing required key \"type\"", what);
		return -1;
	}
	if (!(o->type = registry_output(tname))) {
		char known[REGISTRY_NAMES_MAX];
		registry_output_names(known);
		conf_err_set(err, sec, "type", "%s: unknown output type \"%s\" (one of %s)", what,
			     tname, known);
		return -1;
	}
	if (conf_check_keys(sec, output_common_keys, o->type->keys, what, err) < 0 ||
	    conf_get_percent(sec, "max_shrink", &o->max_shrink, err) < 0 ||
	    conf_get_factor(sec, "max_growth", &o->max_growth, err) < 0 ||
	    conf_get_count(sec, "max_addresses4", 32, &o->max_addresses4, err) < 0 ||
	    conf_get_count(sec, "max_addresses6", 128, &o->max_addresses6, err) < 0 ||
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

static struct source_limits
default_limits(void)
{
	return (struct source_limits){
		.timeout = CONF_DEFAULT_TIMEOUT,
		.max_body = CONF_DEFAULT_MAX_BODY,
		.min_prefix4 = CONF_DEFAULT_MIN_PREFIX4,
		.min_prefix6 = CONF_DEFAULT_MIN_PREFIX6,
		.max_entries = CONF_DEFAULT_MAX_ENTRIES,
		.max_addresses4 = CONF_DEFAULT_MAX_ADDRESSES4,
		.max_addresses6 = CONF_DEFAULT_MAX_ADDRESSES6,
		.max_stale = CONF_DEFAULT_MAX_STALE,
		.max_degraded = CONF_DEFAULT_MAX_DEGRADED,
	};
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
	c->limits = default_limits();
	c->max_shrink = CONF_DEFAULT_MAX_SHRINK;
	c->max_growth = CONF_DEFAULT_MAX_GROWTH;
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
	if (owner_check && check_state_dir(c, global, err) < 0)
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
	if (check_targets(c, err) < 0)
		goto out;
	*out = c;
	c = NULL;
	rc = 0;
out:
	preset_file_clear(&presets);
	conf_free(c);
	return rc;
}

int
conf_load_presets(const struct conf *base, struct conf **out, struct err *err)
{
	struct conf *c = calloc(1, sizeof *c);
	size_t n_src = 0;
	int rc = -1;

	err_clear(err);
	if (!c || !(c->path = strdup(preset_path())) ||
	    !(c->state_dir = strdup(base ? base->state_dir : CONF_DEFAULT_STATE_DIR)) ||
	    !(c->dns_servers = calloc((base ? base->n_dns_servers : 0) + 1, sizeof *c->dns_servers)))
		goto nomem;
	c->limits = base ? base->limits : default_limits();
	for (size_t i = 0; base && i < base->n_dns_servers; i++) {
		if (!(c->dns_servers[i] = strdup(base->dns_servers[i])))
			goto nomem;
		c->n_dns_servers++;
	}
	/* As preset.c reads it: the package's file, not the administrator's. */
	if (confkv_read(c->path, false, &c->secs, &c->n_secs, err) < 0)
		goto out;
	for (size_t i = 0; i < c->n_secs; i++)
		n_src += c->secs[i]->kind == CONF_SOURCE;
	if (!(c->sources = calloc(n_src + 1, sizeof *c->sources)) ||
	    !(c->outputs = calloc(1, sizeof *c->outputs)))
		goto nomem;
	for (size_t i = 0; i < c->n_secs; i++) {
		struct conf_section *sec = c->secs[i];
		/* A preset naming a preset is refused where it is used. */
		if (sec->kind == CONF_SOURCE && !conf_get(sec, "preset") && load_source(c, sec, err) < 0)
			goto out;
	}
	*out = c;
	c = NULL;
	rc = 0;
	goto out;
nomem:
	conf_err_file(err, c ? c->path : preset_path(), 0, "out of memory");
out:
	conf_free(c);
	return rc;
}
