/* libFuzzer: any body given to the strict JSON reader never crashes,
 * says why it refuses, and what it accepts holds only what the
 * selectors selected (re-checked through parse_text).  A duplicate key is
 * refused exactly when cJSON's own tree, compared pair by pair, has one. */
#include "jsonpath.h"
#include "parse_json.h"

#include <cjson/cJSON.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static bool
has_dup(const cJSON *node)
{
	for (const cJSON *c = node->child; c; c = c->next) {
		if (cJSON_IsObject(node))
			for (const cJSON *d = node->child; d != c; d = d->next)
				if (strcmp(c->string, d->string) == 0)
					return true;
		if (has_dup(c))
			return true;
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jsonpath *sel[2];
	struct err reason;
	struct err err = {0};
	struct pset *s = pset_new();
	int r;

	if (!sel[0]) {
		sel[0] = jsonpath_compile("$.prefixes[?@.service=='EMAIL'].ip", &reason);
		sel[1] = jsonpath_compile("$..v6[*]", &reason);
		if (!sel[0] || !sel[1])
			abort();
	}
	if (!s)
		return 0;
	r = parse_json_buf("fuzz", (const char *)data, size, sel, 2, size & 1, s, &err);
	if (r < 0 && !err.msg[0])
		abort();
	{
		bool said_dup = r < 0 && strncmp(err.msg, "column ", 7) == 0 &&
				strstr(err.msg, ": duplicate key \"") != NULL;
		cJSON *tree = cJSON_ParseWithLength((const char *)data, size);

		if (r == 0 && tree && has_dup(tree))
			abort(); /* accepted a duplicate */
		if (said_dup && (!tree || !has_dup(tree) || err.line == 0))
			abort(); /* a duplicate that is not there, or not placed */
		cJSON_Delete(tree);
	}
	if (r == 0 && pset_merge(s) < 0)
		abort();
	if ((parse_json_check((const char *)data, size, &err) == 0) != (r == 0) && r == 0)
		abort(); /* accepted with selectors, so the document itself is fine */
	pset_free(s);
	return 0;
}
