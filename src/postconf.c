/* postconf — Postfix's configuration through postconf(1); see postconf.h. */
#include "postconf.h"

#include "hook.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
postconf_parse(char *text, size_t len, struct postconf_map *m, struct err *err)
{
	size_t cap = 0, line = 0;

	memset(m, 0, sizeof *m);
	m->text = text;
	for (char *p = text; p < text + len;) {
		char *end = memchr(p, '\n', (size_t)(text + len - p));
		if (!end)
			end = text + len;
		*end = 0;
		line++;
		/* "name = value", or "name =" for an empty one. */
		char *eq = strstr(p, " =");
		if (!eq || eq == p || (eq[2] && eq[2] != ' ')) {
			err_set_line(err, line,
				     "postconf output line %zu: not \"name = value\": %.200s", line,
				     p);
			postconf_map_free(m);
			return -1;
		}
		*eq = 0;
		if (m->n == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			struct postconf_param *grown = realloc(m->v, ncap * sizeof *grown);
			if (!grown) {
				postconf_map_free(m);
				return err_set(err, "out of memory");
			}
			m->v = grown;
			cap = ncap;
		}
		m->v[m->n].name = p;
		m->v[m->n].value = eq[2] ? eq + 3 : eq + 2;
		m->n++;
		p = end + 1;
	}
	return 0;
}

const char *
postconf_get(const struct postconf_map *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return m->v[i].value;
	return NULL;
}

void
postconf_map_free(struct postconf_map *m)
{
	if (!m)
		return;
	free(m->v);
	free(m->text);
	memset(m, 0, sizeof *m);
}

char *
postconf_which(void)
{
	const char *path = getenv("PATH");
	char dflt[256];

	if (!path) {
		/* As execvp: the system's default search path. */
		if (confstr(_CS_PATH, dflt, sizeof dflt) == 0 || dflt[0] == 0)
			snprintf(dflt, sizeof dflt, "/usr/bin:/bin");
		path = dflt;
	}
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		char *cand;
		/* A relative entry would run whatever the working directory
		 * holds under that name. */
		if (n && p[0] == '/' && asprintf(&cand, "%.*s/postconf", (int)n, p) >= 0) {
			if (access(cand, X_OK) == 0)
				return cand;
			free(cand);
		}
		p += n;
		p += *p == ':';
	}
	return NULL;
}

/* One view: `postconf [-c DIR] ARGS...`.  0 or -1 with err. */
static int
view(const char *prog, const char *dir, const char *a1, const char *a2, struct postconf_map *m,
     struct err *err)
{
	char *argv[7], *out;
	size_t n = 0, len;

	argv[n++] = (char *)(uintptr_t)"postconf";
	if (dir) {
		argv[n++] = (char *)(uintptr_t)"-c";
		argv[n++] = (char *)(uintptr_t)dir;
	}
	argv[n++] = (char *)(uintptr_t)a1;
	if (a2)
		argv[n++] = (char *)(uintptr_t)a2;
	argv[n] = NULL;
	if (hook_capture(prog, argv, POSTCONF_TIMEOUT, POSTCONF_MAX_OUTPUT, &out, &len, err) < 0 ||
	    postconf_parse(out, len, m, err) < 0)
		return err_prefix(err, "postconf%s%s %s%s%s", dir ? " -c " : "", dir ? dir : "", a1,
				  a2 ? " " : "", a2 ? a2 : "");
	return 0;
}

int
postconf_load(const char *dir, struct postconf *pc, struct err *err)
{
	char *prog = postconf_which();
	struct err merr;

	memset(pc, 0, sizeof *pc);
	if (!prog)
		return 1;
	if (dir && !(pc->dir = strdup(dir))) {
		free(prog);
		return err_set(err, "out of memory");
	}
	if (view(prog, dir, "-n", "-x", &pc->main, err) < 0 ||
	    view(prog, dir, "-n", NULL, &pc->main_raw, err) < 0) {
		free(prog);
		postconf_free(pc);
		return -1;
	}
	/* master.cf is the lesser part (and -P is Postfix 2.11's). */
	if (view(prog, dir, "-P", "-x", &pc->master, &merr) < 0 ||
	    view(prog, dir, "-P", NULL, &pc->master_raw, &merr) < 0) {
		postconf_map_free(&pc->master);
		pc->no_master = true;
		pc->master_err = merr;
	}
	free(prog);
	return 0;
}

void
postconf_free(struct postconf *pc)
{
	if (!pc)
		return;
	postconf_map_free(&pc->main);
	postconf_map_free(&pc->main_raw);
	postconf_map_free(&pc->master);
	postconf_map_free(&pc->master_raw);
	free(pc->dir);
	pc->dir = NULL;
}
