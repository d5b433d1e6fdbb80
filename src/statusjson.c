/* statusjson — the documents of `status --json` and `diff --json`. */
#include "statusjson.h"

#include "pfx.h"
#include "run.h"
#include "url.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

int
status_source_load(const char *state_dir, const struct source *s, time_t now,
		   struct status_source *ss)
{
	int r;

	memset(ss, 0, sizeof *ss);
	ss->src = s;
	state_source_load(state_dir, s->name, &ss->st);
	if ((r = state_list_load(state_dir, s->name, &ss->set, &ss->info)) < 0)
		return -1;
	if (r > 0)
		err_set(&ss->unusable, "no last good copy");
	else if (run_stored_usable(s, &ss->info, now, true, &ss->unusable) == 0)
		err_clear(&ss->unusable);
	url_redact_text(ss->info.origin, sizeof ss->info.origin);
	url_redact_text(ss->st.error, sizeof ss->st.error);
	return 0;
}

void
status_source_clear(struct status_source *ss)
{
	pset_free(ss->set);
	ss->set = NULL;
}

/* ------------------------------------------------------------- values */

bool
statusjson_put(cJSON *obj, const char *key, cJSON *item)
{
	if (item && cJSON_AddItemToObject(obj, key, item))
		return true;
	cJSON_Delete(item);
	return false;
}

bool
statusjson_append(cJSON *arr, cJSON *item)
{
	if (item && cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

/* A string; null for NULL or "". */
static cJSON *
text(const char *s)
{
	return s && *s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *
statusjson_integer(long long v)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%lld", v);
	return cJSON_CreateRaw(buf);
}

static cJSON *
count(u128 v)
{
	char buf[48];

	pfx_format_u128(v, buf);
	return cJSON_CreateRaw(buf);
}

/* RFC 3339 in UTC; null for 0 (never). */
static cJSON *
when(time_t t)
{
	struct tm tm;
	char buf[32];

	if (!t)
		return cJSON_CreateNull();
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return cJSON_CreateNull();
	return cJSON_CreateString(buf);
}

/* ------------------------------------------------------------- status */

cJSON *
statusjson_source(const struct status_source *ss, time_t now)
{
	const struct state_source *st = &ss->st;
	const struct pset *set = ss->set;
	cJSON *j = cJSON_CreateObject();
	/* st.error holds a partial success's reason too, "partial: …". */
	bool partial = st->partial && st->success && st->success >= st->attempt;

	if (!j)
		return NULL;
	if (statusjson_put(j, "name", cJSON_CreateString(ss->src->name)) &&
	    statusjson_put(j, "type", cJSON_CreateString(ss->src->type->name)) &&
	    statusjson_put(j, "origin", set ? text(ss->info.origin) : cJSON_CreateNull()) &&
	    statusjson_put(j, "last_success", when(st->success)) &&
	    statusjson_put(j, "last_attempt", when(st->attempt)) &&
	    statusjson_put(j, "last_good", set ? when(ss->info.when) : cJSON_CreateNull()) &&
	    statusjson_put(j, "age",
			   set ? statusjson_integer((long long)(now - ss->info.when))
			       : cJSON_CreateNull()) &&
	    statusjson_put(j, "entries",
			   set ? statusjson_integer((long long)(pset_cidr_count(set, PFX_V4) +
								pset_cidr_count(set, PFX_V6)))
			       : cJSON_CreateNull()) &&
	    statusjson_put(j, "addresses4",
			   set ? count(pset_addr_count(set, PFX_V4)) : cJSON_CreateNull()) &&
	    statusjson_put(j, "addresses6",
			   set ? count(pset_addr_count(set, PFX_V6)) : cJSON_CreateNull()) &&
	    statusjson_put(j, "partial", cJSON_CreateBool(partial)) &&
	    statusjson_put(j, "last_error", text(st->error)) &&
	    statusjson_put(j, "retry_after", when(st->retry_after > now ? st->retry_after : 0)) &&
	    statusjson_put(j, "served_from_last_good", cJSON_CreateBool(st->stale)) &&
	    statusjson_put(j, "last_good_usable", cJSON_CreateBool(!ss->unusable.msg[0])) &&
	    statusjson_put(j, "last_good_unusable", text(ss->unusable.msg)))
		return j;
	cJSON_Delete(j);
	return NULL;
}

/* prepare_output (run.c) records a change a gate holds back as the
 * output's last error, "held: REASON (--force applies it)". */
#define HELD_PREFIX "held: "

cJSON *
statusjson_output(const struct output *o, const struct state_output *st)
{
	char error[STATE_TEXT_MAX];
	cJSON *j = cJSON_CreateObject(), *srcs;

	if (!j)
		return NULL;
	snprintf(error, sizeof error, "%s", st->error);
	url_redact_text(error, sizeof error);
	if (!statusjson_put(j, "name", cJSON_CreateString(o->name)) ||
	    !statusjson_put(j, "type", cJSON_CreateString(o->type->name)) ||
	    !statusjson_put(j, "target", text(o->target)) ||
	    !statusjson_put(j, "sources", srcs = cJSON_CreateArray()))
		goto nomem;
	for (size_t i = 0; i < o->n_sources; i++)
		if (!statusjson_append(srcs, cJSON_CreateString(o->sources[i]->name)))
			goto nomem;
	if (statusjson_put(j, "entries",
			   st->applied ? statusjson_integer((long long)st->entries)
				       : cJSON_CreateNull()) &&
	    statusjson_put(j, "last_change", when(st->changed)) &&
	    statusjson_put(j, "last_applied", when(st->applied)) &&
	    statusjson_put(
		j, "held",
		cJSON_CreateBool(strncmp(st->error, HELD_PREFIX, strlen(HELD_PREFIX)) == 0)) &&
	    statusjson_put(j, "hook_pending", cJSON_CreateBool(st->hook_pending)) &&
	    statusjson_put(j, "last_error", text(error)))
		return j;
nomem:
	cJSON_Delete(j);
	return NULL;
}

cJSON *
statusjson_run(const struct state_run *run)
{
	cJSON *j = cJSON_CreateObject();

	if (!j)
		return NULL;
	if (statusjson_put(j, "start", when(run->start)) &&
	    statusjson_put(j, "end", when(run->start ? run->end : 0)) &&
	    statusjson_put(j, "exit_code",
			   run->start ? statusjson_integer(run->exit_code) : cJSON_CreateNull()))
		return j;
	cJSON_Delete(j);
	return NULL;
}

cJSON *
statusjson_status(const struct conf *c, time_t now)
{
	cJSON *doc = cJSON_CreateObject(), *srcs, *outs;
	struct state_run run;

	if (!doc)
		return NULL;
	state_run_load(c->state_dir, &run);
	if (!statusjson_put(doc, "state_dir", cJSON_CreateString(c->state_dir)) ||
	    !statusjson_put(doc, "time", when(now)) ||
	    !statusjson_put(doc, "last_run", statusjson_run(&run)) ||
	    !statusjson_put(doc, "sources", srcs = cJSON_CreateArray()) ||
	    !statusjson_put(doc, "outputs", outs = cJSON_CreateArray()))
		goto nomem;
	for (size_t i = 0; i < c->n_sources; i++) {
		struct status_source ss;
		bool ok;

		if (status_source_load(c->state_dir, c->sources[i], now, &ss) < 0)
			goto nomem;
		ok = statusjson_append(srcs, statusjson_source(&ss, now));
		status_source_clear(&ss);
		if (!ok)
			goto nomem;
	}
	for (size_t i = 0; i < c->n_outputs; i++) {
		struct state_output st;

		state_output_load(c->state_dir, c->outputs[i]->name, &st);
		if (!statusjson_append(outs, statusjson_output(c->outputs[i], &st)))
			goto nomem;
	}
	return doc;
nomem:
	cJSON_Delete(doc);
	return NULL;
}

/* --------------------------------------------------------------- diff */

cJSON *
statusjson_diff_new(void)
{
	cJSON *doc = cJSON_CreateObject();

	if (doc && statusjson_put(doc, "outputs", cJSON_CreateArray()))
		return doc;
	cJSON_Delete(doc);
	return NULL;
}

static int
add_cidr(void *arr, enum pfx_family fam, u128 addr, int len)
{
	char buf[PFX_TEXT_MAX];

	pfx_format_cidr(fam, addr, len, buf);
	return statusjson_append(arr, cJSON_CreateString(buf)) ? 0 : -1;
}

/* The minimal CIDR cover of s, IPv4 first; null for NULL. */
static cJSON *
cidr_list(const struct pset *s)
{
	cJSON *arr;

	if (!s)
		return cJSON_CreateNull();
	if (!(arr = cJSON_CreateArray()))
		return NULL;
	if (pset_each_cidr(s, PFX_V4, add_cidr, arr) || pset_each_cidr(s, PFX_V6, add_cidr, arr)) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

/* Its CIDR count; null for NULL. */
static cJSON *
cidr_count(const struct pset *s)
{
	if (!s)
		return cJSON_CreateNull();
	return statusjson_integer(
	    (long long)(pset_cidr_count(s, PFX_V4) + pset_cidr_count(s, PFX_V6)));
}

int
statusjson_diff_add(cJSON *doc, const struct statusjson_plan *p)
{
	cJSON *outs = cJSON_GetObjectItemCaseSensitive(doc, "outputs");
	cJSON *j = cJSON_CreateObject();
	/* A failed output has no plan, whatever the caller left in it. */
	bool ok = !p->error;

	if (!j) {
		errno = ENOMEM;
		return -1;
	}
	if (!(statusjson_put(j, "name", cJSON_CreateString(p->o->name)) &&
	      statusjson_put(j, "type", cJSON_CreateString(p->o->type->name)) &&
	      statusjson_put(j, "target", text(p->o->target)) &&
	      statusjson_put(j, "entries_now", cidr_count(ok ? p->live : NULL)) &&
	      statusjson_put(j, "entries_after", cidr_count(ok ? p->want : NULL)) &&
	      statusjson_put(j, "added_count", cidr_count(ok ? p->added : NULL)) &&
	      statusjson_put(j, "removed_count", cidr_count(ok ? p->removed : NULL)) &&
	      statusjson_put(j, "added", cidr_list(ok ? p->added : NULL)) &&
	      statusjson_put(j, "removed", cidr_list(ok ? p->removed : NULL)) &&
	      statusjson_put(j, "held", text(ok ? p->held : NULL)) &&
	      statusjson_put(j, "error", text(p->error)))) {
		cJSON_Delete(j);
		errno = ENOMEM;
		return -1;
	}
	if (statusjson_append(outs, j))
		return 0;
	errno = ENOMEM;
	return -1;
}

int
statusjson_print(const cJSON *doc, FILE *f)
{
	char *s = cJSON_PrintUnformatted(doc);
	int r;

	if (!s) {
		errno = ENOMEM;
		return -1;
	}
	r = fputs(s, f) < 0 || fputc('\n', f) == EOF || fflush(f) == EOF ? -1 : 0;
	free(s);
	return r;
}
