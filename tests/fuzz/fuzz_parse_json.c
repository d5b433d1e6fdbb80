/* libFuzzer: any body given to the strict JSON reader never crashes,
 * says why it refuses, and what it accepts holds only what the
 * selectors selected (re-checked through parse_text). */
#include "jsonpath.h"
#include "parse_json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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
	if (r == 0 && pset_merge(s) < 0)
		abort();
	if ((parse_json_check((const char *)data, size, &err) == 0) != (r == 0) && r == 0)
		abort(); /* accepted with selectors, so the document itself is fine */
	pset_free(s);
	return 0;
}
