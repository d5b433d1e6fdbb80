/* out_postfix — the `postfix` output: a cidr table (`net/len<TAB>result`). */
#ifndef ALLOWSYNC_OUT_POSTFIX_H
#define ALLOWSYNC_OUT_POSTFIX_H

#include "output.h"

extern const struct output_type out_postfix;

#endif
