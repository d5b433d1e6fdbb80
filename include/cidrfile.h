/* cidrfile — the file outputs that are one CIDR a line between fixed
 * words, per family: nginx's `allow CIDR;`, Exim's iplsearch keys
 * (`CIDR`, `"CIDR"` for IPv6).  From one description of the line it
 * renders (the header, then the minimal CIDR cover, IPv4 then IPv6),
 * reads the live file back and checks the written one, so that such a
 * receiver is its line and a configure that names it:
 *
 *     static int
 *     x_configure(struct output *o, const struct conf_section *sec, struct err *err)
 *     {
 *             return cidrfile_configure(o, sec, &x_fmt, err);
 *     }
 *     const struct output_type out_x = {
 *             .name = "x",
 *             CIDRFILE_OPS(x_configure),
 *     };
 *
 * The check of a written file (before it replaces the old one) wants
 * every line to be `#` comment or exactly pre + canonical CIDR + post of
 * its family, IPv4 before IPv6, together exactly the wanted set.
 */
#ifndef ALLOWSYNC_CIDRFILE_H
#define ALLOWSYNC_CIDRFILE_H

#include "confkv.h"
#include "outfile.h"

/* One line: pre[0] CIDR post[0] for IPv4, pre[1] CIDR post[1] for IPv6.
 * Lines are read with the blanks around them ignored: a pre may not
 * start with white space or '#', a post may not end with white space. */
struct cidrfile_fmt {
	const char *pre[2];
	const char *post[2];
	const char *what; /* what the file is, for messages ("nginx allow list") */
};

/* The priv of such an output. */
struct cidrfile {
	struct outfile of; /* first: outfile.c finds it in o->priv */
	const struct cidrfile_fmt *fmt;
};

/* outfile_configure (the required absolute `path`) with this format and
 * its check.  0 or -1 + err. */
int cidrfile_configure(struct output *o, const struct conf_section *sec,
		       const struct cidrfile_fmt *fmt, struct err *err);

/* struct output_type's render and live. */
int cidrfile_render(const struct output *o, const struct pset *want, FILE *f);
int cidrfile_live(struct output *o, const struct output_ctx *ctx, struct pset *live,
		  struct err *err);

/* The keys of such an output: `path` alone. */
extern const struct conf_key cidrfile_keys[];

/* The rest of the type table entry of such an output, after its name
 * (see the top). */
#define CIDRFILE_OPS(CONFIGURE)                                                     \
	.keys = cidrfile_keys, .configure = (CONFIGURE), .live = cidrfile_live,     \
	.prepare = outfile_prepare, .commit = outfile_commit, .abort = outfile_abort, \
	.render = cidrfile_render, .free = outfile_free

#endif
