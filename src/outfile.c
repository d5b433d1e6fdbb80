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
outfile_prepare(struct output *o, const struct output_ctx *ctx, const struct pset *want,
		bool *changed, struct err *err)
{
	struct outfile *of = o->priv;
	char *mem = NULL, *cur = NULL, *back = NULL;
	size_t memlen = 0, curlen = 0, backlen = 0;
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
	r = atomicfile_read(of->path, &cur, &curlen, err);
	if (r < 0)
		goto out;
	if (r == 0 && curlen == memlen && memcmp(cur, mem, memlen) == 0) {
		/* A run killed after preparing may have left its temporary. */
		atomicfile_cleanup(of->path);
		*changed = false;
		rc = 0;
		goto out;
	}
	if (!(of->af = atomicfile_open(of->path, 0644, err)))
		goto out;
	FILE *f = atomicfile_stream(of->af);
	if (memlen && fwrite(mem, 1, memlen, f) != memlen) {
		err_errno(err, errno, "cannot write %s", atomicfile_temp(of->af));
		goto fail;
	}
	if (atomicfile_sync(of->af, err) < 0)
		goto fail;
	if (of->verify) {
		/* Check what reached the disk, not what we meant to write. */
		if ((r = atomicfile_read(atomicfile_temp(of->af), &back, &backlen, err)) != 0) {
			if (r > 0)
				err_set(err, "%s vanished", atomicfile_temp(of->af));
			goto fail;
		}
		if (backlen != memlen || memcmp(back, mem, memlen) != 0) {
			err_set(err, "%s does not read back as written", atomicfile_temp(of->af));
			goto fail;
		}
		if (of->verify(o, want, back, backlen, err) < 0)
			goto fail;
	}
	*changed = true;
	rc = 0;
	goto out;
fail:
	atomicfile_abort(of->af);
	of->af = NULL;
out:
	free(back);
	free(cur);
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
