/* libFuzzer: the text list reader never crashes; an accepted list merges
 * into sorted, disjoint ranges, and reading the merged list back as text
 * yields the same set. */
#include "log.h"
#include "parse_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pset *s = pset_new(), *t = pset_new();
	struct err err;
	char *text = NULL;
	size_t len = 0;

	log_set_level(LOG_LVL_ERR); /* host-bit warnings are expected */
	if (parse_text_buf("fuzz", (const char *)data, size, s, &err) != 0)
		goto out;
	if (pset_merge(s) != 0)
		abort();
	FILE *f = open_memstream(&text, &len);
	for (enum pfx_family fam = PFX_V4; fam <= PFX_V6; fam += 2) {
		for (size_t i = 0; i < pset_count(s, fam); i++) {
			struct pfx_range r = pset_get(s, fam, i);
			char buf[PFX_TEXT_MAX];
			if (i > 0 && pset_get(s, fam, i - 1).hi + 1 >= r.lo)
				abort();
			pfx_format_range(fam, &r, buf);
			fprintf(f, "%s\n", buf);
		}
	}
	fclose(f);
	if (parse_text_buf("fuzz", text, len, t, &err) != 0 || pset_merge(t) != 0 ||
	    !pset_equal(s, t))
		abort();
out:
	free(text);
	pset_free(s);
	pset_free(t);
	return 0;
}
