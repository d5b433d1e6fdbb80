/* out_text — the `text` output: one entry per line (`style = cidr|range`). */
#ifndef ALLOWSYNC_OUT_TEXT_H
#define ALLOWSYNC_OUT_TEXT_H

#include "output.h"

extern const struct output_type out_text;

#endif
