/* outfile — the prepare/commit/abort steps shared by outputs that write
 * one file (text, postfix, …): render to memory, compare with what is
 * there, write a synced temporary file only when it differs, optionally
 * re-read and check that temporary file, rename on commit. */
#ifndef ALLOWSYNC_OUTFILE_H
#define ALLOWSYNC_OUTFILE_H

#include "atomicfile.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct output;

struct outfile {
	const char *path;       /* owned by the conf */
	struct atomicfile *af;  /* prepared, not yet committed */
};

/* Check the bytes of the written temporary file; 0 or -1 + err. */
typedef int (*outfile_verify_fn)(const struct output *o, const struct pset *want, const char *buf,
				 size_t len, struct err *err);
/* Write the content for `want` to f. */
typedef int (*outfile_render_fn)(const struct output *o, const struct pset *want, FILE *f);

int outfile_prepare(struct outfile *of, const struct output *o, const struct pset *want,
		    outfile_render_fn render, outfile_verify_fn verify, bool *changed,
		    struct err *err);
int outfile_commit(struct outfile *of, struct err *err);
void outfile_abort(struct outfile *of);

/* The text-file header naming the output and its sources ("# " lines). */
void outfile_header(const struct output *o, FILE *f);

#endif
