/* atomicfile — temp file, fsync, rename, fsync the directory (as durable as asked). */
#include "atomicfile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct atomicfile {
	char *path;
	char *dir;
	char *temp;
	FILE *f;
	bool synced;
	enum atomicfile_sync how;
};

static const char *
kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

/* Remove temporaries of this target left by a killed run (the caller
 * holds the run lock, so none of them is in use). */
static void
remove_stale(const char *dir, const char *base)
{
	char prefix[512];
	DIR *d = opendir(dir);
	struct dirent *e;
	int dfd;

	if (!d)
		return;
	dfd = dirfd(d);
	snprintf(prefix, sizeof prefix, ".%s.allowsync-", base);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 &&
		    strlen(e->d_name) == strlen(prefix) + 6)
			unlinkat(dfd, e->d_name, 0);
	closedir(d);
}

void
atomicfile_cleanup(const char *path)
{
	char *a = strdup(path), *b = strdup(path);

	if (a && b)
		remove_stale(dirname(a), basename(b));
	free(a);
	free(b);
}

static void
af_free(struct atomicfile *af)
{
	if (!af)
		return;
	if (af->f)
		fclose(af->f);
	free(af->path);
	free(af->dir);
	free(af->temp);
	free(af);
}

struct atomicfile *
atomicfile_open(const char *path, mode_t new_mode, struct err *err)
{
	struct atomicfile *af = calloc(1, sizeof *af);
	struct stat st;
	char *tmp1 = NULL, *tmp2 = NULL;
	bool exists = false;
	int fd = -1;

	if (!af || !(af->path = strdup(path)) || !(tmp1 = strdup(path)) || !(tmp2 = strdup(path)))
		goto nomem;
	if (!(af->dir = strdup(dirname(tmp1))))
		goto nomem;
	const char *base = basename(tmp2);
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			err_set(err, "%s is %s: refusing to replace it", path, kind_of(st.st_mode));
			goto fail;
		}
		exists = true;
	} else if (errno != ENOENT) {
		err_errno(err, errno, "%s", path);
		goto fail;
	}
	remove_stale(af->dir, base);
	size_t n = strlen(af->dir) + strlen(base) + 32;
	if (!(af->temp = malloc(n)))
		goto nomem;
	snprintf(af->temp, n, "%s/.%s.allowsync-XXXXXX", af->dir, base);
	if ((fd = mkostemp(af->temp, O_CLOEXEC)) < 0) {
		err_errno(err, errno, "cannot create a temporary file in %s", af->dir);
		goto fail;
	}
	if (exists) {
		/* Keep who may read it: a Postfix table readable by postfix only
		 * must stay so. */
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0) {
			err_errno(err, errno, "cannot set the owner of %s", af->temp);
			goto fail_unlink;
		}
		if (fchmod(fd, st.st_mode & 07777) < 0) {
			err_errno(err, errno, "cannot set the mode of %s", af->temp);
			goto fail_unlink;
		}
	} else if (fchmod(fd, new_mode) < 0) {
		err_errno(err, errno, "cannot set the mode of %s", af->temp);
		goto fail_unlink;
	}
	if (!(af->f = fdopen(fd, "w")))
		goto nomem_unlink;
	free(tmp1);
	free(tmp2);
	return af;
nomem_unlink:
	err_set(err, "out of memory");
fail_unlink:
	close(fd);
	unlink(af->temp);
	goto fail;
nomem:
	err_set(err, "out of memory");
fail:
	free(tmp1);
	free(tmp2);
	af_free(af);
	return NULL;
}

FILE *
atomicfile_stream(struct atomicfile *af)
{
	return af->f;
}

const char *
atomicfile_temp(const struct atomicfile *af)
{
	return af->temp;
}

int
atomicfile_sync(struct atomicfile *af, struct err *err)
{
	if (af->synced)
		return 0;
	int bad = ferror(af->f);
	if (fflush(af->f) != 0 || bad) {
		err_set(err, "cannot write %s: %s", af->temp,
			bad && errno == 0 ? "write error" : strerror(errno));
		goto fail;
	}
	if (af->how != ATOMICFILE_UNSYNCED && fsync(fileno(af->f)) < 0) {
		err_errno(err, errno, "cannot sync %s", af->temp);
		goto fail;
	}
	FILE *f = af->f;
	af->f = NULL;
	if (fclose(f) != 0) {
		err_errno(err, errno, "cannot close %s", af->temp);
		unlink(af->temp);
		return -1;
	}
	af->synced = true;
	return 0;
fail:
	fclose(af->f);
	af->f = NULL;
	unlink(af->temp);
	return -1;
}

int
atomicfile_commit(struct atomicfile *af, struct err *err)
{
	struct stat st;
	int dfd, rc = -1;

	if (atomicfile_sync(af, err) < 0)
		goto out;
	/* The target may have been replaced by a symlink since open. */
	if (lstat(af->path, &st) == 0 && !S_ISREG(st.st_mode)) {
		err_set(err, "%s is %s: refusing to replace it", af->path, kind_of(st.st_mode));
		unlink(af->temp);
		goto out;
	}
	if (rename(af->temp, af->path) < 0) {
		err_errno(err, errno, "cannot rename %s to %s", af->temp, af->path);
		unlink(af->temp);
		goto out;
	}
	/* Without this the rename may not survive a power loss. */
	if (af->how == ATOMICFILE_DURABLE &&
	    (dfd = open(af->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		if (fsync(dfd) < 0 && errno != EINVAL) {
			err_errno(err, errno, "cannot sync directory %s", af->dir);
			close(dfd);
			goto out;
		}
		close(dfd);
	}
	rc = 0;
out:
	af_free(af);
	return rc;
}

void
atomicfile_set_sync(struct atomicfile *af, enum atomicfile_sync how)
{
	af->how = how;
}

void
atomicfile_abort(struct atomicfile *af)
{
	if (!af)
		return;
	if (!af->synced || af->temp)
		unlink(af->temp);
	af_free(af);
}

int
atomicfile_read(const char *path, char **buf, size_t *len, struct err *err)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	char *b = NULL;
	size_t n = 0, cap;

	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		if (errno == ELOOP)
			err_set(err, "%s is a symbolic link", path);
		else
			err_errno(err, errno, "cannot open %s", path);
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_errno(err, errno, "cannot stat %s", path);
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(err, "%s is %s", path, kind_of(st.st_mode));
		close(fd);
		return -1;
	}
	/* Room for the file, the NUL and one byte more, so that the read
	 * that finds the end needs no bigger buffer (a file that grows
	 * meanwhile still does). */
	cap = (size_t)st.st_size + 2;
	if (!(b = malloc(cap)))
		goto nomem;
	for (;;) {
		if (n + 1 >= cap) {
			char *g = realloc(b, cap * 2);
			if (!g)
				goto nomem;
			b = g;
			cap *= 2;
		}
		ssize_t got = read(fd, b + n, cap - n - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err_errno(err, errno, "cannot read %s", path);
			free(b);
			close(fd);
			return -1;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
nomem:
	err_set(err, "out of memory reading %s", path);
	free(b);
	close(fd);
	return -1;
}

int
atomicfile_write(const char *path, mode_t new_mode, const void *buf, size_t len, struct err *err)
{
	return atomicfile_write_sync(path, new_mode, buf, len, ATOMICFILE_DURABLE, err);
}

int
atomicfile_write_sync(const char *path, mode_t new_mode, const void *buf, size_t len,
		      enum atomicfile_sync how, struct err *err)
{
	struct atomicfile *af = atomicfile_open(path, new_mode, err);

	if (!af)
		return -1;
	af->how = how;
	if (len && fwrite(buf, 1, len, af->f) != len) {
		err_errno(err, errno, "cannot write %s", af->temp);
		atomicfile_abort(af);
		return -1;
	}
	return atomicfile_commit(af, err);
}
