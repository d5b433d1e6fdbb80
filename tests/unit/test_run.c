/* Unit tests: run — the pipeline's handling of what a source type reports
 * (partial, not modified, Retry-After, failure), what diff prints and
 * holds, and the lock, with a scripted source type standing in for the
 * network ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"

#include "cmd.h"
#include "lock.h"
#include "log.h"
#include "parse_text.h"
#include "run.h"
#include "state.h"
#include "statusjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What the scripted source does on its next collect. */
static struct script {
	int calls;
	int rc;
	const char *list;
	bool partial;
	bool not_modified;
	time_t retry_after;
} script;

static int
scripted_collect(struct source *src, const struct source_ctx *ctx, struct source_result *res,
		 struct err *err)
{
	struct err perr;
	(void)src;
	(void)ctx;

	script.calls++;
	snprintf(res->origin, sizeof res->origin, "script");
	res->partial = script.partial;
	res->not_modified = script.not_modified;
	res->retry_after = script.retry_after;
	if (script.rc < 0) {
		err_set(err, "HTTP 503 from the script");
		return -1;
	}
	if (script.list && !script.not_modified &&
	    parse_text_buf("script", script.list, strlen(script.list), res->set, &perr) < 0)
		fail_msg("bad script list");
	if (script.partial)
		err_set(err, "one branch missing");
	return 0;
}

static void (*static_free)(struct source *);
static void
scripted_free(struct source *src)
{
	static_free(src);
}

static struct source_type scripted = {
	.name = "scripted",
	.collect = scripted_collect,
	.free = scripted_free,
};

/* The source's configuration decides its origin (fingerprint): `prefixes`
 * stands for any key of the origin (a path, a URL). */
static const char *origin_prefixes = "8.8.8.8";
/* More [global] lines ("max_degraded = 10m\n"). */
static const char *global_extra = "";

static struct conf *
load(void)
{
	struct conf *c = test_conf_load("c.conf",
					"[global]\nstate_dir = %s/state\nmax_stale = 1h\n%s"
					"[source net]\ntype = static\nprefixes = %s\n"
					"[output t]\ntype = text\npath = %s/t.txt\nheader = no\n",
					test_dir, global_extra, origin_prefixes, test_dir);

	/* The static source becomes the scripted one (its priv freed as static). */
	static_free = c->sources[0]->type->free;
	c->sources[0]->type = &scripted;
	return c;
}

static int
run_once(const struct run_opts *o)
{
	struct conf *c = load();
	int rc = run_pipeline(c, o);
	conf_free(c);
	return rc;
}

static const char *
output(void)
{
	static char buf[4096];
	char path[600];
	snprintf(path, sizeof path, "%s/t.txt", test_dir);
	FILE *f = fopen(path, "r");
	if (!f)
		return "";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	return buf;
}

static void
test_script(void **state)
{
	struct run_opts o = {.out = stdout};
	struct run_opts force = {.out = stdout, .force = true};
	struct state_source st;
	char sdir[600];
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);

	/* A failure with no last good copy: the output fails, is not created. */
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "");
	state_source_load(sdir, "net", &st);
	assert_string_equal(st.error, "HTTP 503 from the script");

	/* Data. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Not modified: the last good list, not degraded, and stamped fresh
	 * (its age is what max_stale judges later). */
	{
		struct pset *kept;
		struct state_list_info info;
		struct err err;
		assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
		info.when = 1000;
		assert_int_equal(state_list_save(sdir, "net", kept, &info, &err), 0);
		pset_free(kept);
		script = (struct script){.not_modified = true};
		assert_int_equal(run_once(&o), EXIT_OK);
		assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
		assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
		assert_true(info.when > time(NULL) - 60);
		assert_int_equal(pset_total(kept), 2);
		pset_free(kept);
	}

	/* Partial: applied when it only adds, degraded. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n1.1.1.1\n", .partial = true};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_string_equal(output(), "1.1.1.1/32\n8.8.8.0/24\n9.9.9.0/24\n");
	/* ... but a partial list may not remove anything, even within
	 * max_shrink; --force applies it. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n", .partial = true};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_string_equal(output(), "1.1.1.1/32\n8.8.8.0/24\n9.9.9.0/24\n");
	assert_int_equal(run_once(&force), EXIT_DEGRADED);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	/* A partial list is never kept as the last good copy. */
	script = (struct script){.not_modified = true};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Retry-After: the failure serves the last good copy, and the
	 * source is not asked again before the time given. */
	script = (struct script){.rc = -1, .retry_after = time(NULL) + 3600};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_int_equal(script.calls, 1);
	script.calls = 0;
	script.rc = 0;
	script.list = "7.7.7.7\n";
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	assert_int_equal(script.calls, 0);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	state_source_load(sdir, "net", &st);
	assert_true(st.retry_after > time(NULL));

	/* Offline never collects. */
	struct run_opts off = {.out = stdout, .offline = true};
	assert_int_equal(run_once(&off), EXIT_OK);
	assert_int_equal(script.calls, 0);

	/* A policy refusal is a failure like any other: last good served. */
	st.retry_after = 0;
	struct err err;
	char path[STATE_TEXT_MAX];
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	script = (struct script){.list = "8.8.8.0/24\n10.1.0.0/16\n"};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_non_null(strstr(st.error, "refused: 10.1.0.0/16 touches 10.0.0.0/8 private-use"));
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");

	/* Not modified without a last good copy fails. */
	snprintf(path, sizeof path, "%s/state/sources/net.list", test_dir);
	unlink(path);
	script = (struct script){.not_modified = true};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	state_source_load(sdir, "net", &st);
	assert_non_null(strstr(st.error, "not modified, but no last good copy"));
}

/* Set the time of the last good copy of "net" (as the clock saw it). */
static void
date_copy(const char *sdir, time_t when)
{
	struct state_list_info info;
	struct state_source st;
	struct pset *kept;
	struct err err;

	assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
	info.when = when;
	assert_int_equal(state_list_save(sdir, "net", kept, &info, &err), 0);
	/* The confirmation in the status would date it later. */
	state_source_load(sdir, "net", &st);
	st.list_confirmed = 0;
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	pset_free(kept);
}

/* A last good copy belongs to the origin that produced it: once the
 * source's configuration names another, the old copy never serves (a
 * failure, a 304, --offline), until the new origin delivers its own; a
 * copy without a fingerprint (an older allowsync's) is an unknown
 * origin; one dated in the future beyond the slack does not serve. */
static void
test_origin(void **state)
{
	struct run_opts o = {.out = stdout}, off = {.out = stdout, .offline = true};
	struct state_source st;
	struct state_list_info info;
	struct pset *kept;
	struct err err;
	char sdir[600];
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	origin_prefixes = "8.8.8.8";
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n");
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_DEGRADED); /* same origin: served */

	/* Another origin: a failure does not serve the old copy. */
	origin_prefixes = "9.9.9.9";
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "8.8.8.0/24\n");
	state_source_load(sdir, "net", &st);
	assert_string_equal(st.error, "HTTP 503 from the script");
	{
		/* What the run logs about it; one line. */
		struct conf *c = load();
		assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
		assert_int_equal(run_stored_usable(c->sources[0], &info, time(NULL), true, &err),
				 -1);
		assert_string_equal(err.msg, "origin changed (prefixes): no last good copy for it");
		pset_free(kept);
		conf_free(c);
	}
	/* Nor a 304, nor --offline. */
	script = (struct script){.not_modified = true};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	state_source_load(sdir, "net", &st);
	assert_non_null(strstr(st.error, "not modified, but origin changed (prefixes)"));
	assert_int_equal(run_once(&off), EXIT_FAIL);
	assert_string_equal(output(), "8.8.8.0/24\n");

	/* The new origin delivers: applied, and its copy is the one kept. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	/* The first origin again: the copy is the second one's now. */
	origin_prefixes = "8.8.8.8";
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	origin_prefixes = "9.9.9.9";

	/* Only the content keys count: a limit, or the keys in another
	 * order, is the same origin. */
	{
		struct conf *a = load();
		struct conf *b = test_conf_load(
			"d.conf",
			"[global]\nstate_dir = %s/state\n"
			"[source net]\nmax_entries = 9\nprefixes = 9.9.9.9\nmax_stale = 2h\n"
			"type = static\n"
			"[output t]\ntype = text\npath = %s/t.txt\n",
			test_dir, test_dir);
		assert_string_equal(a->sources[0]->fingerprint, b->sources[0]->fingerprint);
		assert_non_null(strstr(a->sources[0]->fingerprint, "prefixes="));
		assert_non_null(strstr(a->sources[0]->fingerprint, "type="));
		assert_null(strstr(b->sources[0]->fingerprint, "max_"));
		conf_free(a);
		conf_free(b);
	}

	/* Dated in the future (the clock moved back): beyond the slack, its
	 * age is unknown and it does not serve; within it, it does. */
	date_copy(sdir, time(NULL) + 7200);
	assert_int_equal(run_once(&o), EXIT_FAIL);
	{
		struct conf *c = load();
		assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
		assert_int_equal(run_stored_usable(c->sources[0], &info, info.when - 7200, true,
						   &err),
				 -1);
		assert_string_equal(err.msg, "last good copy is dated 2h00m in the future "
					     "(the clock moved back?): its age is unknown");
		/* A 304 vouches for it again, and dates it now. */
		assert_int_equal(run_stored_usable(c->sources[0], &info, info.when - 7200, false,
						   &err),
				 0);
		pset_free(kept);
		conf_free(c);
	}
	date_copy(sdir, time(NULL) + 60);
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	script = (struct script){.not_modified = true};
	date_copy(sdir, time(NULL) + 7200);
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
	assert_true(info.when <= time(NULL));
	pset_free(kept);

	/* No fingerprint (written by an older allowsync): unknown origin. */
	assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
	info.fingerprint[0] = 0;
	assert_int_equal(state_list_save(sdir, "net", kept, &info, &err), 0);
	pset_free(kept);
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
	{
		struct conf *c = load();
		assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
		assert_int_equal(run_stored_usable(c->sources[0], &info, time(NULL), true, &err),
				 -1);
		assert_non_null(strstr(err.msg, "origin unknown"));
		pset_free(kept);
		conf_free(c);
	}
	/* A fresh list records the fingerprint again. */
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_int_equal(state_list_load(sdir, "net", &kept, &info), 0);
	assert_true(info.fingerprint[0] != 0);
	pset_free(kept);
}

/* The fingerprint of [source s] with the type's lines `body`. */
static void
fingerprint_of(const char *body, char out[SOURCE_FINGERPRINT_MAX])
{
	struct conf *c = test_conf_load("f.conf",
					"[global]\nstate_dir = %s/state\n[source s]\n%s"
					"[output t]\ntype = text\npath = %s/t.txt\n",
					test_dir, body, test_dir);

	memcpy(out, c->sources[0]->fingerprint, SOURCE_FINGERPRINT_MAX);
	conf_free(c);
}

/* What counts in an origin: the content keys, every select in order;
 * not the limits, timings and transport. */
static void
test_fingerprint_keys(void **state)
{
	char a[SOURCE_FINGERPRINT_MAX], b[SOURCE_FINGERPRINT_MAX], keys[128];
	(void)state;

	fingerprint_of("type = url\nurl = https://x.example/r.json\n"
		       "select = $.a[*]\nselect = $.b[*]\n", a);
	fingerprint_of("type = url\nurl = https://x.example/r.json\n"
		       "select = $.b[*]\nselect = $.a[*]\n", b);
	assert_string_equal(source_fingerprint_diff(a, b, keys, sizeof keys), "select");
	fingerprint_of("type = url\nselect = $.a[*]\nrefresh = 1h\nproxy = http://p:3128\n"
		       "url = https://x.example/r.json\nselect = $.b[*]\ntimeout = 5\n"
		       "max_body = 1M\nca_file = /etc/ssl/x.pem\nallow_empty = yes\n", b);
	assert_string_equal(a, b);
	fingerprint_of("type = url\nurl = https://x.example/r.json\nformat = json\n"
		       "select = $.a[*]\nselect = $.b[*]\npubkey = "
		       "RWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\n", b);
	assert_string_equal(source_fingerprint_diff(a, b, keys, sizeof keys), "format, pubkey");
	fingerprint_of("type = spf\ndomain = spf.example.com\n", a);
	fingerprint_of("type = spf\ndomain = spf.example.com\nspf_max_lookups = 20\n"
		       "spf_partial = yes\nmax_stale = 1d\n", b);
	assert_string_equal(a, b);
	fingerprint_of("type = spf\ndomain = spf.example.net\n", b);
	assert_string_equal(source_fingerprint_diff(a, b, keys, sizeof keys), "domain");
	fingerprint_of("type = file\npath = /etc/a.txt\n", a);
	fingerprint_of("type = file\npath = /etc/a.txt\ntags = x\n", b);
	assert_string_equal(source_fingerprint_diff(a, b, keys, sizeof keys), "tags");
	/* A preset's keys count as if written; its name does not. */
	{
		char presets[600];
		FILE *f;

		snprintf(presets, sizeof presets, "%s/presets.conf", test_dir);
		assert_non_null(f = fopen(presets, "w"));
		fputs("[source p]\ntype = file\npath = /etc/a.txt\n"
		      "[source q]\ntype = file\npath = /etc/b.txt\n", f);
		fclose(f);
		assert_int_equal(setenv("ALLOWSYNC_PRESETS", presets, 1), 0);
		fingerprint_of("preset = p\n", b);
		assert_string_equal(a, b);
		fingerprint_of("preset = q\n", b);
		assert_string_equal(source_fingerprint_diff(a, b, keys, sizeof keys), "path");
		unsetenv("ALLOWSYNC_PRESETS");
	}
}

static void
test_fingerprint_diff(void **state)
{
	char b[64];
	(void)state;

	assert_string_equal(source_fingerprint_diff("path=1 type=2", "path=1 type=2", b, sizeof b),
			    "");
	assert_string_equal(source_fingerprint_diff("path=1 type=2", "path=3 type=2", b, sizeof b),
			    "path");
	assert_string_equal(source_fingerprint_diff("format=1 path=1 type=2",
						    "path=1 select=4 type=3", b, sizeof b),
			    "format, type, select");
	assert_string_equal(source_fingerprint_diff("", "url=1", b, sizeof b), "url");
	/* Too long for the buffer: what fits. */
	assert_string_equal(source_fingerprint_diff("aaaa=1 bbbb=1", "", b, 8), "aaaa");
}

/* diff (a dry run) of the output, as it prints it to o->out. */
static const char *
diff_once(struct run_opts *o, int want_rc)
{
	static char buf[4096];
	char *text = NULL;
	size_t len = 0;

	assert_non_null(o->out = open_memstream(&text, &len));
	assert_int_equal(run_once(o), want_rc);
	fclose(o->out);
	o->out = NULL;
	snprintf(buf, sizeof buf, "%s", text);
	free(text);
	return buf;
}

/* diff prints the plan and what holds it back, and writes nothing: not
 * even the state directory before the first run. */
static void
test_diff(void **state)
{
	struct run_opts diff = {.dry_run = true}, force = {.dry_run = true, .force = true};
	struct run_opts o = {.out = stdout};
	char sdir[600];
	struct stat sb;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);

	script = (struct script){.list = "8.8.8.0/24\n9.9.9.0/24\n"};
	assert_string_equal(diff_once(&diff, EXIT_OK),
			    "output \"t\": +2 -0 entries (0 now, 2 after)\n"
			    "+8.8.8.0/24\n+9.9.9.0/24\n");
	assert_int_equal(stat(sdir, &sb), -1);
	assert_string_equal(output(), "");
	assert_int_equal(run_once(&o), EXIT_OK);

	/* A partial list that would remove: held (the run degraded), and
	 * diff says whether --force would apply it. */
	script = (struct script){.list = "8.8.8.0/24\n", .partial = true};
	assert_string_equal(diff_once(&diff, EXIT_DEGRADED),
			    "output \"t\": +0 -1 entries (2 now, 1 after)"
			    " [held: a partial source would remove 1 entry]\n-9.9.9.0/24\n");
	assert_string_equal(diff_once(&force, EXIT_DEGRADED),
			    "output \"t\": +0 -1 entries (2 now, 1 after)"
			    " [held: a partial source would remove 1 entry, --force applies it]\n"
			    "-9.9.9.0/24\n");
	assert_string_equal(output(), "8.8.8.0/24\n9.9.9.0/24\n");
}

/* What status reads of a run: the run itself (not diff's), whether a
 * source was served from its last good copy, and diff's plans as JSON. */
static void
test_record(void **state)
{
	struct run_opts o = {.out = stdout};
	struct run_opts diff = {.dry_run = true};
	struct state_source st;
	struct state_run last;
	char sdir[600], list[700];
	time_t t0 = time(NULL);
	cJSON *doc;
	const cJSON *p;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	state_run_load(sdir, &last);
	assert_true(last.start >= t0 && last.end >= last.start && last.end <= time(NULL));
	assert_int_equal(last.exit_code, EXIT_OK);
	state_source_load(sdir, "net", &st);
	assert_false(st.stale);

	/* Failing: served from the last good copy, the run degraded. */
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_run_load(sdir, &last);
	assert_int_equal(last.exit_code, EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_true(st.stale);

	/* diff records nothing; with a document, its plans go there. */
	assert_non_null(doc = statusjson_diff_new());
	diff.json = doc;
	script = (struct script){.list = "8.8.8.0/24\n9.9.9.9\n"};
	assert_int_equal(run_once(&diff), EXIT_OK);
	state_run_load(sdir, &last);
	assert_int_equal(last.exit_code, EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_true(st.stale);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "outputs")), 1);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "outputs"), 0);
	assert_string_equal(cJSON_GetObjectItem(p, "name")->valuestring, "t");
	assert_string_equal(cJSON_GetArrayItem(cJSON_GetObjectItem(p, "added"), 0)->valuestring,
			    "9.9.9.9/32");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(p, "removed")), 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "error")));
	cJSON_Delete(doc);

	/* A failed output is in the document too, with why. */
	snprintf(list, sizeof list, "%s/sources/net.list", sdir);
	assert_int_equal(unlink(list), 0);
	assert_non_null(doc = statusjson_diff_new());
	diff.json = doc;
	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&diff), EXIT_FAIL);
	p = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "outputs"), 0);
	assert_non_null(p);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(p, "added")));
	assert_string_equal(cJSON_GetObjectItem(p, "error")->valuestring,
			    "sources: source \"net\" has no usable data");
	cJSON_Delete(doc);

	/* Back to fresh: no longer served from the last good copy. */
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	state_source_load(sdir, "net", &st);
	assert_false(st.stale);
	state_run_load(sdir, &last);
	assert_int_equal(last.exit_code, EXIT_OK);
}

/* One run at a time: while another holds the lock a run (or diff) does
 * nothing, not even collect, and has an exit code of its own. */
static void
test_lock(void **state)
{
	struct run_opts o = {.out = stdout}, diff = {.out = stdout, .dry_run = true};
	char sdir[600];
	struct err err;
	int fd = -1;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_int_equal(lock_acquire(sdir, false, &fd, &err), 0);
	script = (struct script){.list = "8.8.8.0/24\n7.7.7.7\n"};
	assert_int_equal(run_once(&o), EXIT_LOCKED);
	assert_int_equal(run_once(&diff), EXIT_LOCKED);
	assert_int_equal(script.calls, 0);
	assert_string_equal(output(), "8.8.8.0/24\n");
	lock_release(fd);
	assert_int_equal(run_once(&o), EXIT_OK);
	assert_string_equal(output(), "7.7.7.7/32\n8.8.8.0/24\n");
}

/* The decision: only a source served from its last good copy, only past
 * its max_degraded (0: never), and a date after now is no age. */
static void
test_degraded_decision(void **state)
{
	char name[] = "ses";
	struct source src = {.name = name, .limits = {.max_degraded = 3 * 86400}};
	struct run_source rs = {.src = &src, .how = RUN_SRC_STALE};
	const time_t now = 1700000000;
	struct err why;
	(void)state;

	rs.degraded_since = now - 3 * 86400;
	assert_false(run_degraded_too_long(&rs, now, &why)); /* not longer yet */
	rs.degraded_since = now - 3 * 86400 - 2 * 3600 - 1;
	assert_true(run_degraded_too_long(&rs, now, &why));
	assert_string_equal(why.msg,
			    "served from its last good copy for 3d02h, longer than max_degraded 3d00h");
	for (enum run_src_how h = RUN_SRC_FRESH; h <= RUN_SRC_FAILED; h++) {
		rs.how = h;
		assert_int_equal(run_degraded_too_long(&rs, now, &why), h == RUN_SRC_STALE);
	}
	rs.how = RUN_SRC_STALE;
	src.limits.max_degraded = 0;
	assert_false(run_degraded_too_long(&rs, now, &why));
	src.limits.max_degraded = 60;
	rs.degraded_since = now + 3600;
	assert_false(run_degraded_too_long(&rs, now, &why));
	rs.degraded_since = 0;
	assert_false(run_degraded_too_long(&rs, now, &why));
}

/* Since when the state says a source is degraded: set by the first run
 * that serves the last good copy, kept by the next, cleared by a
 * success; past max_degraded the run fails (exit 1, the copy applied
 * all the same), diff says so too without writing the state. */
static void
test_degraded(void **state)
{
	struct run_opts o = {.out = stdout}, diff = {.out = stdout, .dry_run = true};
	struct state_source st;
	struct err err;
	char sdir[600], path[700];
	time_t t0 = time(NULL);
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	global_extra = "max_degraded = 10m\n";
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	state_source_load(sdir, "net", &st);
	assert_int_equal(st.degraded_since, 0);

	script = (struct script){.rc = -1};
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_true(st.degraded_since >= t0 && st.degraded_since <= time(NULL));
	/* Kept by the next degraded run. */
	st.degraded_since = time(NULL) - 9 * 60;
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_true(st.degraded_since <= time(NULL) - 9 * 60);

	/* Longer than max_degraded: exit 1, the last good copy still applied. */
	st.degraded_since = time(NULL) - 11 * 60;
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	snprintf(path, sizeof path, "%s/t.txt", test_dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(run_once(&o), EXIT_FAIL);
	assert_string_equal(output(), "8.8.8.0/24\n");
	assert_int_equal(run_once(&diff), EXIT_FAIL);
	state_source_load(sdir, "net", &st);
	assert_true(st.degraded_since <= time(NULL) - 11 * 60);
	/* 0: no limit. */
	global_extra = "max_degraded = 0\n";
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	global_extra = "max_degraded = 10m\n";

	/* A date after now (the clock moved back) starts again now. */
	st.degraded_since = time(NULL) + 86400;
	assert_int_equal(state_source_save(sdir, "net", &st, &err), 0);
	assert_int_equal(run_once(&o), EXIT_DEGRADED);
	state_source_load(sdir, "net", &st);
	assert_true(st.degraded_since <= time(NULL));

	/* A success clears it. */
	script = (struct script){.list = "8.8.8.0/24\n"};
	assert_int_equal(run_once(&o), EXIT_OK);
	state_source_load(sdir, "net", &st);
	assert_int_equal(st.degraded_since, 0);
	global_extra = "";
}

static void
test_format_age(void **state)
{
	char b[32];
	(void)state;
	run_format_age(41, b, sizeof b);
	assert_string_equal(b, "41s");
	run_format_age(192, b, sizeof b);
	assert_string_equal(b, "3m12s");
	run_format_age(3 * 3600 + 12 * 60 + 5, b, sizeof b);
	assert_string_equal(b, "3h12m");
	run_format_age(2 * 86400 + 3 * 3600, b, sizeof b);
	assert_string_equal(b, "2d03h");
	run_format_age(-5, b, sizeof b);
	assert_string_equal(b, "0s");
	run_format_dated(1000, 1000 - 41, b, sizeof b);
	assert_string_equal(b, "41s old");
	run_format_dated(1000, 1000 + 7200, b, sizeof b);
	assert_string_equal(b, "dated 2h00m in the future");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* Each from an empty scratch directory: no state, no output. */
		cmocka_unit_test_setup_teardown(test_script, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_diff, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_record, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_lock, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_origin, test_dir_setup, test_dir_teardown),
		cmocka_unit_test(test_fingerprint_diff),
		cmocka_unit_test_setup_teardown(test_fingerprint_keys, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test(test_format_age),
		cmocka_unit_test(test_degraded_decision),
		cmocka_unit_test_setup_teardown(test_degraded, test_dir_setup, test_dir_teardown),
	};
	return cmocka_run_group_tests_name("run", tests, NULL, NULL);
}
