/* out_postfix — the `postfix` output: a cidr table (`net/len<TAB>result`),
 * and how Postfix's configuration uses it (vet, show --postfix). */
#ifndef ALLOWSYNC_OUT_POSTFIX_H
#define ALLOWSYNC_OUT_POSTFIX_H

#include "output.h"

extern const struct output_type out_postfix;

/* `show OUTPUT --postfix`: the main.cf line(s) that use the table the
 * way its `use` says (postfix_use_main_cf), given what main.cf holds now
 * when postconf can read it.  o: a postfix output.  0, or -1 with err
 * (f cannot be written). */
int out_postfix_main_cf(const struct output *o, FILE *f, struct err *err);

#endif
