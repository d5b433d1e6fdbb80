/* plural — one or many, by the count. */
#include "plural.h"

const char *
plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
