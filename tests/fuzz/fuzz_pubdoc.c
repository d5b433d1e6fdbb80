/* libFuzzer: reading a published document (format = allowsync) never
 * crashes, says why it refuses, and what it accepts is a set whose
 * entries re-render and parse back to the same set. */
#include "pubdoc.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tags[] = {"dedicated"};
	struct pset *s = pset_new(), *back = NULL;
	struct pubdoc_inv *inv = NULL;
	struct err err = {0};
	char *doc = NULL;
	size_t len;

	if (!s)
		return 0;
	int r =
	    pubdoc_parse((const char *)data, size, size & 1 ? tags : NULL, size & 1, 0, s, &err);
	if (r < 0) {
		if (!err.msg[0])
			abort();
		goto out;
	}
	if (pset_merge(s) < 0)
		goto out;
	struct pubdoc_input in = {s, NULL, 0};
	struct err why;
	struct pubdoc_meta m = {.serial = 1, .created = 0, .expires = 4102444800};
	if (!(inv = pubdoc_inv_new(&in, 1, &why)) || !(doc = pubdoc_json(inv, &m, &len)))
		goto out;
	if (!(back = pset_new()))
		goto out;
	if (pubdoc_parse(doc, len, NULL, 0, 1, back, &err) < 0 || pset_merge(back) < 0 ||
	    !pset_equal(s, back))
		abort();
out:
	free(doc);
	pubdoc_inv_free(inv);
	pset_free(back);
	pset_free(s);
	return 0;
}
