/* src_static — the `static` source: `prefixes = …` in the configuration. */
#ifndef ALLOWSYNC_SRC_STATIC_H
#define ALLOWSYNC_SRC_STATIC_H

#include "source.h"

extern const struct source_type src_static;

#endif
