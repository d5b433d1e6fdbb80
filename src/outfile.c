/* outfile — the plumbing of outputs that are one file; see outfile.h. */
#include "outfile.h"

#include "confkv.h"
#include "source.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void
outfile_header(const struct output *o, FILE *f)
{
	/* No timestamp: an unchanged list must give an identical file. */
	fprintf(f, "# allowsync output \"%s\" (%s): written by allowsync, do not edit\n", o->name,
		o->type->name);
	fprintf(f, "# sources:");
	for (size_t i = 0; i < o->n_sources; i++)
		fprintf(f, " %s", o->sources[i]->name);
	fprintf(f, "\n");
}

void *
outfile_configure(struct output *o, const struct conf_section *sec, size_t size,
		  outfile_verify_fn verify, struct err *err)
{
	struct outfile *of = calloc(1, size);
	const char *path = conf_get(sec, "path");

	if (!of) {
		conf_err_set(err, sec, NULL, "out of memory");
		return NULL;
	}
	o->priv = of;
	if (path[0] != '/') {
		conf_err_set(err, sec, "path", "[output %s] path = %s: not an absolute path",
			     o->name, path);
		return NULL;
	}
	of->path = path;
	of->verify = verify;
	o->target = path;
	o->target_is_file = true;
	return of;
}

int
outfile_stage(const char *path, const char *mem, size_t len, struct atomicfile **af, char **back,
	      size_t *backlen, struct err *err)
{
	char *cur = NULL;
	size_t curlen = 0;
	int r;

	*af = NULL;
	*back = NULL;
	*backlen = 0;
	if ((r = atomicfile_read(path, &cur, &curlen, err)) < 0)
		return -1;
	bool same = r == 0 && curlen == len && memcmp(cur, mem, len) == 0;
	free(cur);
	if (same) {
		/* A run killed after preparing may have left its temporary. */
		atomicfile_cleanup(path);
		return 0;
	}
	if (!(*af = atomicfile_open(path, 0644, err)))
		return -1;
	FILE *f = atomicfile_stream(*af);
	if (len && fwrite(mem, 1, len, f) != len) {
		err_errno(err, errno, "cannot write %s", atomicfile_temp(*af));
		goto fail;
	}
	if (atomicfile_sync(*af, err) < 0)
		goto fail;
	/* Check what reached the disk, not what we meant to write. */
	if ((r = atomicfile_read(atomicfile_temp(*af), back, backlen, err)) != 0) {
		if (r > 0)
			err_set(err, "%s vanished", atomicfile_temp(*af));
		goto fail;
	}
	if (*backlen != len || memcmp(*back, mem, len) != 0) {
		err_set(err, "%s does not read back as written", atomicfile_temp(*af));
		goto fail;
	}
	return 0;
fail:
	free(*back);
	*back = NULL;
	atomicfile_abort(*af);
	*af = NULL;
	return -1;
}

int
outfile_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		bool *changed, struct err *err)
{
	struct outfile *of = o->priv;
	char *mem = NULL, *back = NULL;
	size_t memlen = 0, backlen = 0;
	FILE *m = open_memstream(&mem, &memlen);
	int rc = -1, r;

	(void)ctx;
	of->af = NULL;
	if (!m)
		return err_set(err, "out of memory");
	/* The stream is closed whatever render did, or its buffer leaks. */
	r = o->type->render(o, want, m);
	int render_errno = errno;
	if (fclose(m) != 0 || r < 0) {
		err_errno(err, r < 0 ? render_errno : errno, "cannot render");
		goto out;
	}
	if (outfile_stage(of->path, mem, memlen, &of->af, &back, &backlen, err) < 0)
		goto out;
	*changed = of->af != NULL;
	if (of->af && of->verify && of->verify(o, want, back, backlen, err) < 0) {
		atomicfile_abort(of->af);
		of->af = NULL;
		goto out;
	}
	rc = 0;
out:
	free(back);
	free(mem);
	return rc;
}

int
outfile_commit(struct output *o, const struct output_ctx *ctx, struct err *err)
{
	struct outfile *of = o->priv;
	struct atomicfile *af = of->af;

	(void)ctx;
	of->af = NULL;
	if (!af)
		return 0;
	return atomicfile_commit(af, err);
}

void
outfile_abort(struct output *o, const struct output_ctx *ctx)
{
	struct outfile *of = o->priv;

	(void)ctx;
	atomicfile_abort(of->af);
	of->af = NULL;
}

void
outfile_free(struct output *o)
{
	struct outfile *of = o->priv;

	if (of)
		atomicfile_abort(of->af);
	free(of);
	o->priv = NULL;
}
