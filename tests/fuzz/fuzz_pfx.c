/* libFuzzer: pfx_parse never crashes, and what it accepts formats to
 * text that parses back to the same range. */
#include "pfx.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfx p, q;
	struct err reason = {0};
	char text[PFX_TEXT_MAX];

	if (!pfx_parse((const char *)data, size, &p, &reason)) {
		if (!reason.msg[0])
			abort();
		return 0;
	}
	if (p.r.lo > p.r.hi || p.r.hi > pfx_max(p.fam))
		abort();
	size_t n = pfx_format_range(p.fam, &p.r, text);
	if (!pfx_parse(text, n, &q, &reason) || q.fam != p.fam || q.r.lo != p.r.lo ||
	    q.r.hi != p.r.hi)
		abort();
	return 0;
}
