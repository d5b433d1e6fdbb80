/* libFuzzer: compiling any text as a JSONPath query never crashes and
 * says why it refuses; what compiles evaluates on a small document
 * (filters, descendants, functions reach every node) and every result
 * has a normalized path. */
#include "jsonpath.h"

#include <cjson/cJSON.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char doc[] =
	"{\"a\":[1,2.5,\"x\",true,null,{\"b\":\"192.0.2.0/24\",\"c\":[[],{}]}],"
	"\"it's\":{\"\\u00e9\":[\"2001:db8::/32\",-1,1e3]},\"n\":0,\"s\":\"abc\"}";

static int
visit(void *ctx, const cJSON *node)
{
	const cJSON *root = ctx;
	char path[512];

	if (jsonpath_node_path(root, node, path, sizeof path) == 0 || path[0] != '$')
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static cJSON *root;
	struct err reason = {0};
	struct jsonpath *jp;
	char *text;

	if (!root && !(root = cJSON_Parse(doc)))
		abort();
	if (size > 4096 || !(text = malloc(size + 1)))
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	jp = jsonpath_compile(text, &reason);
	if (!jp) {
		if (!reason.msg[0])
			abort();
	} else {
		if (strcmp(jsonpath_text(jp), text) != 0)
			abort();
		jsonpath_eval(jp, root, visit, root);
		jsonpath_count(jp, root);
		jsonpath_free(jp);
	}
	free(text);
	return 0;
}
