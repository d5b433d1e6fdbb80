/* outfile — everything an output that is one file shares, so that such
 * an output (text, postfix, nft-file, …) is only configure + render +
 * verify (+ live, where it reads its file back), as rpki-client's are.
 *
 * Its priv starts with a struct outfile, made by outfile_configure; its
 * type table entry then reads
 *
 *     .prepare = outfile_prepare, .commit = outfile_commit,
 *     .abort = outfile_abort, .free = outfile_free,
 *
 * prepare renders with the type's own render() (what `show` prints is
 * what the file gets), compares with what is there, and only when it
 * differs writes a synced temporary file beside the target, re-reads it
 * and lets verify check it; commit renames it over the target, abort
 * and free remove it. */
#ifndef ALLOWSYNC_OUTFILE_H
#define ALLOWSYNC_OUTFILE_H

#include "atomicfile.h"
#include "output.h"
#include "pset.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Check the bytes of the written temporary file (buf[len] is NUL);
 * 0 or -1 + err. */
typedef int (*outfile_verify_fn)(const struct output *o, const struct pset *want, const char *buf,
				 size_t len, struct err *err);

/* The first member of the output's priv. */
struct outfile {
	const char *path;         /* owned by the conf */
	outfile_verify_fn verify; /* NULL: nothing to check beyond the read-back */
	struct atomicfile *af;    /* prepared, not yet committed */
};

/* Allocate o->priv: `size` zeroed bytes (a struct that starts with a
 * struct outfile), with the required, absolute `path` key as its path
 * and the output's target (a file: see output.h, target_is_file).  The priv, or NULL with err set (o->priv may
 * be set then: the type's free releases it). */
void *outfile_configure(struct output *o, const struct conf_section *sec, size_t size,
			outfile_verify_fn verify, struct err *err);

/* Stage `len` bytes of `mem` as the next content of `path` (what
 * outfile_prepare does with the rendered table, for an output that
 * writes a second file): *af NULL when the file holds them already;
 * else a synced temporary, re-read into *back (malloc'd, for the
 * caller's own check; free it) and found as written.  0, or -1 with
 * err (nothing left behind). */
int outfile_stage(const char *path, const char *mem, size_t len, struct atomicfile **af, char **back,
		  size_t *backlen, struct err *err);

/* struct output_type's prepare, commit, abort and free. */
int outfile_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		    bool *changed, struct err *err);
int outfile_commit(struct output *o, const struct output_ctx *ctx, struct err *err);
void outfile_abort(struct output *o, const struct output_ctx *ctx);
void outfile_free(struct output *o);

/* The text-file header naming the output and its sources ("# " lines). */
void outfile_header(const struct output *o, FILE *f);

#endif
