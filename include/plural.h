/* plural — counts that read naturally: "1 entry", "2 entries". */
#ifndef ALLOWSYNC_PLURAL_H
#define ALLOWSYNC_PLURAL_H

#include <stddef.h>

/* one when n is 1, else many: printf("%zu %s", n, plural(n, "entry", "entries")). */
const char *plural(size_t n, const char *one, const char *many);

/* The same for "entry"/"entries", the count users see most. */
#define ENTRIES(n) plural((n), "entry", "entries")

#endif
