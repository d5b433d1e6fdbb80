/* out_exim — the `exim` output: a file of keys for Exim's iplsearch
 * lookups. */
#ifndef ALLOWSYNC_OUT_EXIM_H
#define ALLOWSYNC_OUT_EXIM_H

#include "output.h"

extern const struct output_type out_exim;

#endif
