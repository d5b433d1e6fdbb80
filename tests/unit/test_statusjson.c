/* Unit tests: statusjson — the documents of `status --json` and
 * `diff --json`, built from a state directory written through state.h:
 * every field there whatever is known (null otherwise), times in RFC
 * 3339 UTC, exact counts, secrets redacted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "testconf.h"
#include "testdir.h"
#include "testsets.h"

#include "log.h"
#include "state.h"
#include "statusjson.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 2023-11-14T22:13:20Z: the times below count from it. */
#define T0 ((time_t)1700000000)
#define NOW (T0 + 7200)

static const char *const source_keys[] = {
	"name", "type", "origin", "last_success", "last_attempt", "last_good", "age", "entries",
	"addresses4", "addresses6", "partial", "last_error", "retry_after",
	"served_from_last_good", "last_good_usable", "last_good_unusable", NULL,
};
static const char *const output_keys[] = {
	"name", "type", "target", "sources", "entries", "last_change", "last_applied", "held",
	"hook_pending", "last_error", NULL,
};
static const char *const plan_keys[] = {
	"name", "type", "target", "entries_now", "entries_after", "added_count",
	"removed_count", "added", "removed", "held", "error", NULL,
};

static struct conf *
load(void)
{
	return test_conf_load("a.conf",
			      "[global]\nstate_dir = %s/state\nmax_stale = 1d\n"
			      "[source feed]\ntype = url\n"
			      "url = https://relay.example/list.txt?token=S3CRET&v=2\n"
			      "[source mine]\ntype = static\nprefixes = 198.51.100.7\n"
			      "[output plain]\ntype = text\npath = %s/plain.txt\n"
			      "[output few]\ntype = text\npath = %s/few.txt\nsources = mine\n",
			      test_dir, test_dir, test_dir);
}

/* The document as a consumer reads it: printed, then parsed back. */
static cJSON *
reread(const cJSON *doc, char **text)
{
	char *s = cJSON_PrintUnformatted(doc);
	cJSON *j;

	assert_non_null(s);
	assert_non_null(j = cJSON_Parse(s));
	if (text)
		*text = s;
	else
		free(s);
	return j;
}

static const cJSON *
field(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (!v)
		fail_msg("no \"%s\"", key);
	return v;
}

static void
expect_null(const cJSON *o, const char *key)
{
	if (!cJSON_IsNull(field(o, key)))
		fail_msg("\"%s\" is not null", key);
}

static void
expect_str(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = field(o, key);

	if (!cJSON_IsString(v))
		fail_msg("\"%s\" is not a string", key);
	assert_string_equal(v->valuestring, want);
}

static void
expect_num(const cJSON *o, const char *key, double want)
{
	const cJSON *v = field(o, key);

	if (!cJSON_IsNumber(v))
		fail_msg("\"%s\" is not a number", key);
	if (v->valuedouble != want)
		fail_msg("\"%s\" is %.17g, not %.17g", key, v->valuedouble, want);
}

static void
expect_bool(const cJSON *o, const char *key, bool want)
{
	const cJSON *v = field(o, key);

	if (!cJSON_IsBool(v) || cJSON_IsTrue(v) != want)
		fail_msg("\"%s\" is not %s", key, want ? "true" : "false");
}

/* Exactly these keys, in this order. */
static void
expect_keys(const cJSON *o, const char *const *keys)
{
	const cJSON *v = o->child;

	for (size_t i = 0; keys[i]; i++, v = v->next) {
		if (!v)
			fail_msg("ends before \"%s\"", keys[i]);
		assert_string_equal(v->string, keys[i]);
	}
	if (v)
		fail_msg("an extra key \"%s\"", v->string);
}

static const cJSON *
nth(const cJSON *doc, const char *arr, int i)
{
	const cJSON *a = field(doc, arr), *e;

	assert_true(cJSON_IsArray(a));
	assert_non_null(e = cJSON_GetArrayItem(a, i));
	return e;
}

static char sdir[600];

/* The last good copy of `name` as a run keeps it, from the origin
 * configured now. */
static void
keep_list(const struct source *s, const char *list, time_t when, const char *origin)
{
	struct state_list_info info = {.when = when};
	struct pset *set = test_set(list);
	struct err err;

	snprintf(info.origin, sizeof info.origin, "%s", origin);
	memcpy(info.fingerprint, s->fingerprint, sizeof info.fingerprint);
	if (state_list_save(sdir, s->name, set, &info, &err) < 0)
		fail_msg("%s", err.msg);
	pset_free(set);
}

/* Nothing recorded yet: every field there, null or false. */
static void
test_empty(void **state)
{
	struct conf *c = load();
	cJSON *doc, *j;
	const cJSON *run, *s, *o;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	assert_non_null(doc = statusjson_status(c, NOW));
	j = reread(doc, NULL);
	expect_str(j, "state_dir", sdir);
	expect_str(j, "time", "2023-11-15T00:13:20Z");
	run = field(j, "last_run");
	expect_null(run, "start");
	expect_null(run, "end");
	expect_null(run, "exit_code");
	assert_int_equal(cJSON_GetArraySize(field(j, "sources")), 2);
	s = nth(j, "sources", 0);
	expect_keys(s, source_keys);
	expect_str(s, "name", "feed");
	expect_str(s, "type", "url");
	static const char *const nulls[] = {
		"origin", "last_success", "last_attempt", "last_good", "age", "entries",
		"addresses4", "addresses6", "last_error", "retry_after",
	};
	for (size_t i = 0; i < sizeof nulls / sizeof nulls[0]; i++)
		expect_null(s, nulls[i]);
	expect_bool(s, "partial", false);
	expect_bool(s, "served_from_last_good", false);
	expect_bool(s, "last_good_usable", false);
	expect_str(s, "last_good_unusable", "no last good copy");
	assert_int_equal(cJSON_GetArraySize(field(j, "outputs")), 2);
	o = nth(j, "outputs", 1);
	expect_keys(o, output_keys);
	expect_str(o, "name", "few");
	expect_str(o, "type", "text");
	expect_str(o, "target", c->outputs[1]->target);
	assert_int_equal(cJSON_GetArraySize(field(o, "sources")), 1);
	assert_string_equal(cJSON_GetArrayItem(field(o, "sources"), 0)->valuestring, "mine");
	expect_null(o, "entries");
	expect_null(o, "last_change");
	expect_null(o, "last_applied");
	expect_bool(o, "held", false);
	expect_bool(o, "hook_pending", false);
	expect_null(o, "last_error");
	cJSON_Delete(j);
	cJSON_Delete(doc);
	conf_free(c);
}

/* A degraded source served from its last good copy, a healthy one, a
 * held output with a hook pending, and the last run. */
static void
test_recorded(void **state)
{
	struct conf *c = load();
	struct err err;
	struct state_source feed = {
		.attempt = T0 + 3600, .success = T0, .retry_after = NOW + 600, .stale = true,
	};
	struct state_source mine = {.attempt = T0, .success = T0, .partial = true};
	struct state_output plain = {.changed = T0 - 86400, .applied = T0, .entries = 3};
	struct state_output few = {.applied = T0, .entries = 1, .hook_pending = true};
	const struct state_run run = {.start = T0 + 3600, .end = T0 + 3602, .exit_code = 3};
	cJSON *doc, *j;
	const cJSON *s, *o;
	char *text;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(state_init(sdir, &err), 0);
	keep_list(c->sources[0], "192.0.2.0/24\n203.0.113.0/25\n2001:db8::/32\n", T0,
		  "https://relay.example/list.txt?token=S3CRET&v=2");
	keep_list(c->sources[1], "198.51.100.7\n", T0, "configuration");
	/* A token in a message, as an older allowsync may have kept it. */
	snprintf(feed.error, sizeof feed.error,
		 "https://relay.example/list.txt?token=S3CRET: HTTP 503");
	snprintf(mine.error, sizeof mine.error, "partial: one branch missing");
	snprintf(plain.error, sizeof plain.error,
		 "held: would shrink from 10 to 2 entries (-80%%, max_shrink = 50%%) "
		 "(--force applies it)");
	snprintf(few.error, sizeof few.error, "on_change: exit status 1");
	assert_int_equal(state_source_save(sdir, "feed", &feed, &err), 0);
	assert_int_equal(state_source_save(sdir, "mine", &mine, &err), 0);
	assert_int_equal(state_output_save(sdir, "plain", &plain, &err), 0);
	assert_int_equal(state_output_save(sdir, "few", &few, &err), 0);
	assert_int_equal(state_run_save(sdir, &run, &err), 0);

	assert_non_null(doc = statusjson_status(c, NOW));
	j = reread(doc, &text);
	if (strstr(text, "S3CRET"))
		fail_msg("the token is in the document: %s", text);
	/* Counts as written: 2^96 IPv6 addresses, exactly. */
	assert_non_null(strstr(text, "\"addresses6\":79228162514264337593543950336,"));

	s = field(j, "last_run");
	expect_str(s, "start", "2023-11-14T23:13:20Z");
	expect_str(s, "end", "2023-11-14T23:13:22Z");
	expect_num(s, "exit_code", 3);

	s = nth(j, "sources", 0);
	expect_keys(s, source_keys);
	expect_str(s, "origin", "https://relay.example/list.txt?token=REDACTED&v=REDACTED");
	expect_str(s, "last_success", "2023-11-14T22:13:20Z");
	expect_str(s, "last_attempt", "2023-11-14T23:13:20Z");
	expect_str(s, "last_good", "2023-11-14T22:13:20Z");
	expect_num(s, "age", 7200);
	expect_num(s, "entries", 3);
	expect_num(s, "addresses4", 256 + 128);
	expect_bool(s, "partial", false);
	expect_str(s, "last_error", "https://relay.example/list.txt?token=REDACTED: HTTP 503");
	expect_str(s, "retry_after", "2023-11-15T00:23:20Z");
	expect_bool(s, "served_from_last_good", true);
	expect_bool(s, "last_good_usable", true);
	expect_null(s, "last_good_unusable");

	s = nth(j, "sources", 1);
	expect_keys(s, source_keys);
	expect_str(s, "origin", "configuration");
	expect_num(s, "entries", 1);
	expect_num(s, "addresses4", 1);
	expect_num(s, "addresses6", 0);
	expect_bool(s, "partial", true);
	expect_str(s, "last_error", "partial: one branch missing");
	expect_null(s, "retry_after");
	expect_bool(s, "served_from_last_good", false);

	o = nth(j, "outputs", 0);
	expect_keys(o, output_keys);
	expect_str(o, "name", "plain");
	assert_int_equal(cJSON_GetArraySize(field(o, "sources")), 2);
	expect_num(o, "entries", 3);
	expect_str(o, "last_change", "2023-11-13T22:13:20Z");
	expect_str(o, "last_applied", "2023-11-14T22:13:20Z");
	expect_bool(o, "held", true);
	expect_bool(o, "hook_pending", false);
	expect_str(o, "last_error", plain.error);
	o = nth(j, "outputs", 1);
	expect_num(o, "entries", 1);
	expect_null(o, "last_change");
	expect_bool(o, "held", false);
	expect_bool(o, "hook_pending", true);
	expect_str(o, "last_error", "on_change: exit status 1");
	free(text);
	cJSON_Delete(j);
	cJSON_Delete(doc);
	conf_free(c);
}

/* A last good copy that would not serve says why; one dated ahead has a
 * negative age; a Retry-After already past is not pending. */
static void
test_unusable(void **state)
{
	struct conf *c = load();
	struct status_source ss;
	struct err err;
	cJSON *j, *r;
	(void)state;

	snprintf(sdir, sizeof sdir, "%s/state", test_dir);
	log_set_level(LOG_LVL_ERR);
	assert_int_equal(state_init(sdir, &err), 0);
	keep_list(c->sources[0], "192.0.2.0/24\n", NOW - 2 * 86400, "https://relay.example/x");
	assert_int_equal(status_source_load(sdir, c->sources[0], NOW, &ss), 0);
	ss.st.retry_after = NOW - 1;
	assert_non_null(j = statusjson_source(&ss, NOW));
	r = reread(j, NULL);
	expect_num(r, "age", 2 * 86400);
	expect_bool(r, "last_good_usable", false);
	expect_str(r, "last_good_unusable",
		   "last good copy is 2d00h old, older than max_stale 1d00h");
	expect_null(r, "retry_after");
	cJSON_Delete(r);
	cJSON_Delete(j);
	status_source_clear(&ss);
	status_source_clear(&ss);

	keep_list(c->sources[0], "192.0.2.0/24\n", NOW + 60, "https://relay.example/x");
	assert_int_equal(status_source_load(sdir, c->sources[0], NOW, &ss), 0);
	assert_non_null(j = statusjson_source(&ss, NOW));
	r = reread(j, NULL);
	expect_num(r, "age", -60);
	expect_bool(r, "last_good_usable", true);
	cJSON_Delete(r);
	cJSON_Delete(j);
	status_source_clear(&ss);
	conf_free(c);
}

static void
expect_list(const cJSON *o, const char *key, const char *const *want)
{
	const cJSON *a = field(o, key);
	int n = 0;

	assert_true(cJSON_IsArray(a));
	for (; want[n]; n++) {
		const cJSON *e = cJSON_GetArrayItem(a, n);
		if (!cJSON_IsString(e))
			fail_msg("\"%s\"[%d] is not a string", key, n);
		assert_string_equal(e->valuestring, want[n]);
	}
	assert_int_equal(cJSON_GetArraySize(a), n);
}

/* diff: the CIDRs both ways, IPv4 first, with the counts; a failed
 * output has no plan but its error; a held one says why. */
static void
test_diff(void **state)
{
	struct conf *c = load();
	struct pset *live = test_set("192.0.2.0/24\n10.1.0.0/16\n2001:db8:1::/48\n");
	struct pset *want = test_set("192.0.2.0/25\n198.51.100.0/24\n2001:db8:2::/48\n");
	struct pset *added = pset_new(), *removed = pset_new();
	cJSON *doc, *j;
	const cJSON *o;
	(void)state;

	assert_int_equal(pset_diff(live, want, added, removed), 0);
	assert_non_null(doc = statusjson_diff_new());
	const struct statusjson_plan planned = {
		.o = c->outputs[0], .live = live, .want = want, .added = added, .removed = removed,
		.held = "would shrink from 3 to 3 entries",
	};
	const struct statusjson_plan failed = {
		.o = c->outputs[1], .live = live, .error = "sources: source \"mine\" has no usable data",
	};
	assert_int_equal(statusjson_diff_add(doc, &planned), 0);
	assert_int_equal(statusjson_diff_add(doc, &failed), 0);
	j = reread(doc, NULL);
	assert_int_equal(cJSON_GetArraySize(field(j, "outputs")), 2);

	o = nth(j, "outputs", 0);
	expect_keys(o, plan_keys);
	expect_str(o, "name", "plain");
	expect_str(o, "type", "text");
	expect_str(o, "target", c->outputs[0]->target);
	expect_num(o, "entries_now", 3);
	expect_num(o, "entries_after", 3);
	expect_num(o, "added_count", 2);
	expect_num(o, "removed_count", 3);
	static const char *const plus[] = {"198.51.100.0/24", "2001:db8:2::/48", NULL};
	static const char *const minus[] = {"10.1.0.0/16", "192.0.2.128/25", "2001:db8:1::/48",
					    NULL};
	expect_list(o, "added", plus);
	expect_list(o, "removed", minus);
	expect_str(o, "held", "would shrink from 3 to 3 entries");
	expect_null(o, "error");

	o = nth(j, "outputs", 1);
	expect_keys(o, plan_keys);
	expect_str(o, "name", "few");
	static const char *const none[] = {
		"entries_now", "entries_after", "added_count", "removed_count", "added", "removed",
		"held",
	};
	for (size_t i = 0; i < sizeof none / sizeof none[0]; i++)
		expect_null(o, none[i]);
	expect_str(o, "error", "sources: source \"mine\" has no usable data");
	cJSON_Delete(j);
	cJSON_Delete(doc);
	pset_free(live);
	pset_free(want);
	pset_free(added);
	pset_free(removed);
	conf_free(c);
}

/* One line, then a newline: what a consumer reads line by line. */
static void
test_print(void **state)
{
	char *mem = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&mem, &len);
	cJSON *doc = statusjson_diff_new(), *j;
	(void)state;

	assert_non_null(f);
	assert_int_equal(statusjson_print(doc, f), 0);
	fclose(f);
	assert_string_equal(mem, "{\"outputs\":[]}\n");
	assert_non_null(j = cJSON_Parse(mem));
	cJSON_Delete(j);
	cJSON_Delete(doc);
	free(mem);
}

/* The building blocks: a chain of puts fails whole and leaks nothing
 * (the item is freed where it could not be placed: LeakSanitizer under
 * make asan-unit says so otherwise); integers are exact past 2^53. */
static void
test_building_blocks(void **state)
{
	cJSON *obj = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	char *text;

	(void)state;
	assert_false(statusjson_put(NULL, "k", cJSON_CreateString("lost")));
	assert_false(statusjson_append(NULL, cJSON_CreateString("lost")));
	assert_false(statusjson_put(obj, "k", NULL));
	assert_true(statusjson_put(obj, "n", statusjson_integer(9007199254740993LL)));
	assert_true(statusjson_append(arr, statusjson_integer(-1)));
	assert_true(statusjson_put(obj, "a", arr));
	text = cJSON_PrintUnformatted(obj);
	assert_string_equal(text, "{\"n\":9007199254740993,\"a\":[-1]}");
	free(text);
	cJSON_Delete(obj);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_recorded, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_unusable, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_diff, test_dir_setup, test_dir_teardown),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_building_blocks),
	};
	return cmocka_run_group_tests_name("statusjson", tests, NULL, NULL);
}
