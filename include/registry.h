/* registry — the source and output types the program knows.
 *
 * Adding a type is one #include and one line in each array of
 * src/registry.c.
 */
#ifndef ALLOWSYNC_REGISTRY_H
#define ALLOWSYNC_REGISTRY_H

#include "output.h"
#include "source.h"

/* NULL-terminated, in src/registry.c. */
extern const struct source_type *const registry_sources[];
extern const struct output_type *const registry_outputs[];

/* By `type =` name; NULL when unknown. */
const struct source_type *registry_source(const char *name);
const struct output_type *registry_output(const char *name);

/* The registered names, ", "-separated, for the error that refuses an
 * unknown `type =` (so that a new type shows there by itself). */
#define REGISTRY_NAMES_MAX 256
void registry_source_names(char buf[REGISTRY_NAMES_MAX]);
void registry_output_names(char buf[REGISTRY_NAMES_MAX]);

#endif
