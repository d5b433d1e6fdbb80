/* atomicfile — replace a file so readers see the old or the new content,
 * never a mix: a temporary file in the same directory, fsync, rename,
 * fsync of the directory.  The replaced file's owner and mode are kept;
 * new files get the mode given (0644 for outputs).  A target that is a
 * symlink, a directory or any other non-regular file is refused.
 *
 * Temporary files are named ".BASENAME.allowsync-XXXXXX"; ones left by a
 * killed run are removed by the next atomicfile_open of that target. */
#ifndef ALLOWSYNC_ATOMICFILE_H
#define ALLOWSYNC_ATOMICFILE_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#define ATOMICFILE_ERR_MAX 512

struct atomicfile;

/* Check the target, create the temporary file.  NULL with err set. */
struct atomicfile *atomicfile_open(const char *path, mode_t new_mode, char *err);
/* Where to write the content. */
FILE *atomicfile_stream(struct atomicfile *af);
/* Path of the temporary file (to re-read it before commit). */
const char *atomicfile_temp(const struct atomicfile *af);
/* Flush, fsync and close the temporary file (catches ENOSPC/EIO).
 * 0 or -1 with err (the temporary file is then removed). */
int atomicfile_sync(struct atomicfile *af, char *err);
/* Sync if not done, rename over the target, fsync the directory, free.
 * 0 or -1 with err (the target unchanged, the temp removed, af freed). */
int atomicfile_commit(struct atomicfile *af, char *err);
/* Remove the temporary file and free; NULL is a no-op. */
void atomicfile_abort(struct atomicfile *af);

/* Remove temporaries of `path` left by a killed run (the caller holds
 * the run lock).  atomicfile_open does it too. */
void atomicfile_cleanup(const char *path);

/* Read a whole regular file into memory (NUL-terminated).  0; 1 when it
 * does not exist; -1 with err (also for symlinks and non-regular files). */
int atomicfile_read(const char *path, char **buf, size_t *len, char *err);

/* Write `len` bytes to `path` atomically in one go. */
int atomicfile_write(const char *path, mode_t new_mode, const void *buf, size_t len, char *err);

#endif
