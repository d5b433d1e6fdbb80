/* Unit tests: registry — the source and output types by `type =` name,
 * and that every registered type is complete enough for conf and run to
 * call it without checking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "registry.h"

#include "confkv.h"
#include "out_exim.h"
#include "out_nft.h"
#include "out_nftfile.h"
#include "out_nginx.h"
#include "out_postfix.h"
#include "out_text.h"
#include "src_file.h"
#include "src_spf.h"
#include "src_static.h"
#include "src_url.h"

#include <ctype.h>
#include <string.h>

/* More entries than any table or key list will hold: a missing NULL
 * terminator shows as reaching it (under ASan, as an overflow first). */
#define BOUND 64

/* The keys conf handles for every source / output (source.h, output.h):
 * a type listing one of them again would never see its own flags. */
static const char *const source_common[] = {
	"type", "preset", "tags", "timeout", "max_body", "min_prefix4", "min_prefix6",
	"max_entries", "max_stale", "allow_special", "allow_empty", "ca_file", NULL,
};
static const char *const output_common[] = {
	"type", "sources", "exclude", "on_change", "hook_timeout", "max_shrink", NULL,
};

static bool
listed(const char *const *list, const char *name)
{
	for (; *list; list++)
		if (strcmp(*list, name) == 0)
			return true;
	return false;
}

/* A usable `type =` value: non-empty, nothing inih would trim or split. */
static void
check_type_name(const char *name)
{
	assert_non_null(name);
	assert_true(name[0] != '\0');
	for (const char *p = name; *p; p++)
		if (isspace((unsigned char)*p) || *p == '=' || *p == ';' || *p == '#')
			fail_msg("type name \"%s\": '%c' cannot be written in a config", name, *p);
}

/* Ends with {NULL, 0}; names non-empty and unique; only known flags;
 * none of the common keys. */
static void
check_keys(const char *type, const struct conf_key *keys, const char *const *common)
{
	size_t n;

	assert_non_null(keys);
	for (n = 0; n < BOUND && keys[n].name; n++) {
		const struct conf_key *k = &keys[n];
		if (k->name[0] == '\0')
			fail_msg("type %s: key %zu has an empty name", type, n);
		if (k->flags & ~(CONF_KEY_REQUIRED | CONF_KEY_MULTI | CONF_KEY_NOT_CONTENT))
			fail_msg("type %s: key %s: unknown flags %#x", type, k->name, k->flags);
		if (listed(common, k->name))
			fail_msg("type %s: key %s is a common key", type, k->name);
		for (size_t j = 0; j < n; j++)
			if (strcmp(keys[j].name, k->name) == 0)
				fail_msg("type %s: key %s listed twice", type, k->name);
	}
	if (n == BOUND)
		fail_msg("type %s: key list without a {NULL, 0} end", type);
	assert_int_equal(keys[n].flags, 0);
}

static size_t
n_sources(void)
{
	size_t n = 0;

	while (n < BOUND && registry_sources[n])
		n++;
	if (n == BOUND)
		fail_msg("registry_sources has no NULL end");
	return n;
}

static size_t
n_outputs(void)
{
	size_t n = 0;

	while (n < BOUND && registry_outputs[n])
		n++;
	if (n == BOUND)
		fail_msg("registry_outputs has no NULL end");
	return n;
}

static void
test_source_lookup(void **state)
{
	(void)state;

	/* The types DESIGN.md's configuration names. */
	assert_ptr_equal(registry_source("static"), &src_static);
	assert_ptr_equal(registry_source("file"), &src_file);
	assert_ptr_equal(registry_source("spf"), &src_spf);
	assert_ptr_equal(registry_source("url"), &src_url);
	assert_string_equal(registry_source("url")->name, "url");
	/* What the publisher may take its inventory from (source.h, local):
	 * the configuration and local files, nothing fetched. */
	assert_true(src_static.local);
	assert_true(src_file.local);
	assert_false(src_spf.local);
	assert_false(src_url.local);
	/* Each entry is found under its own name: no two share one. */
	for (size_t i = 0, n = n_sources(); i < n; i++)
		assert_ptr_equal(registry_source(registry_sources[i]->name), registry_sources[i]);
}

static void
test_output_lookup(void **state)
{
	(void)state;

	assert_ptr_equal(registry_output("text"), &out_text);
	assert_ptr_equal(registry_output("postfix"), &out_postfix);
	assert_ptr_equal(registry_output("nftables"), &out_nft);
	assert_ptr_equal(registry_output("nft-file"), &out_nftfile);
	assert_string_equal(registry_output("nft-file")->name, "nft-file");
	assert_ptr_equal(registry_output("nginx"), &out_nginx);
	assert_ptr_equal(registry_output("exim"), &out_exim);
	for (size_t i = 0, n = n_outputs(); i < n; i++)
		assert_ptr_equal(registry_output(registry_outputs[i]->name), registry_outputs[i]);
}

static void
test_unknown_names(void **state)
{
	static const char *const bad_sources[] = {
		"", "Static", "STATIC", "stat", "statics", "static ", " static", "https", "dns",
		"text", "nftables", /* outputs, not sources */
	};
	static const char *const bad_outputs[] = {
		"", "Text", "tex", "texts", "text ", "nft", "nftfile", "nft_file", "nft-files",
		"NFTABLES", "cidr", "static", "url", /* sources, not outputs */
	};
	(void)state;

	for (size_t i = 0; i < sizeof bad_sources / sizeof *bad_sources; i++)
		if (registry_source(bad_sources[i]))
			fail_msg("source type \"%s\" found", bad_sources[i]);
	for (size_t i = 0; i < sizeof bad_outputs / sizeof *bad_outputs; i++)
		if (registry_output(bad_outputs[i]))
			fail_msg("output type \"%s\" found", bad_outputs[i]);
}

/* The names listed in "unknown ... type" are exactly the registered ones. */
static void
test_names(void **state)
{
	char buf[REGISTRY_NAMES_MAX], want[REGISTRY_NAMES_MAX] = "";
	(void)state;
	registry_source_names(buf);
	for (size_t i = 0; registry_sources[i]; i++) {
		strcat(want, i ? ", " : "");
		strcat(want, registry_sources[i]->name);
	}
	assert_string_equal(buf, want);
	assert_non_null(strstr(buf, "url"));
	want[0] = '\0';
	registry_output_names(buf);
	for (size_t i = 0; registry_outputs[i]; i++) {
		strcat(want, i ? ", " : "");
		strcat(want, registry_outputs[i]->name);
	}
	assert_string_equal(buf, want);
	assert_non_null(strstr(buf, "postfix"));
}

static void
test_sources_complete(void **state)
{
	size_t n = n_sources();
	(void)state;

	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		const struct source_type *t = registry_sources[i];
		check_type_name(t->name);
		if (!t->configure || !t->collect || !t->free)
			fail_msg("source type %s: configure, collect and free are required", t->name);
		check_keys(t->name, t->keys, source_common);
		for (size_t j = 0; j < i; j++) {
			assert_ptr_not_equal(registry_sources[j], t);
			if (strcmp(registry_sources[j]->name, t->name) == 0)
				fail_msg("source type %s registered twice", t->name);
		}
	}
}

static void
test_outputs_complete(void **state)
{
	size_t n = n_outputs();
	(void)state;

	assert_true(n >= 4);
	for (size_t i = 0; i < n; i++) {
		const struct output_type *t = registry_outputs[i];
		check_type_name(t->name);
		if (!t->configure || !t->live || !t->prepare || !t->commit || !t->abort ||
		    !t->render || !t->free)
			fail_msg("output type %s: configure, live, prepare, commit, abort, render "
				 "and free are required", t->name);
		check_keys(t->name, t->keys, output_common);
		for (size_t j = 0; j < i; j++) {
			assert_ptr_not_equal(registry_outputs[j], t);
			if (strcmp(registry_outputs[j]->name, t->name) == 0)
				fail_msg("output type %s registered twice", t->name);
		}
	}
}

/* conf frees what configure left, including when configure failed before
 * allocating (source.h, output.h: priv "may be NULL"). */
static void
test_free_without_priv(void **state)
{
	(void)state;

	for (size_t i = 0, n = n_sources(); i < n; i++) {
		struct source s = {.type = registry_sources[i]};
		s.type->free(&s);
		assert_null(s.priv);
	}
	for (size_t i = 0, n = n_outputs(); i < n; i++) {
		struct output o = {.type = registry_outputs[i]};
		o.type->free(&o);
		assert_null(o.priv);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_source_lookup),
		cmocka_unit_test(test_output_lookup),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sources_complete),
		cmocka_unit_test(test_outputs_complete),
		cmocka_unit_test(test_free_without_priv),
	};
	return cmocka_run_group_tests_name("registry", tests, NULL, NULL);
}
