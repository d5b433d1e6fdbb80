/* atomicfile — replace a file so readers see the old or the new content,
 * never a mix: a temporary file in the same directory, fsync, rename,
 * fsync of the directory (see enum atomicfile_sync).  The replaced file's owner and mode are kept;
 * new files get the mode given (0644 for outputs).  A target that is a
 * symlink, a directory or any other non-regular file is refused.
 *
 * Temporary files are named ".BASENAME.allowsync-XXXXXX"; ones left by a
 * killed run are removed by the next atomicfile_open of that target. */
#ifndef ALLOWSYNC_ATOMICFILE_H
#define ALLOWSYNC_ATOMICFILE_H

#include "err.h"

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct atomicfile;

/* What a commit waits for.
 * DURABLE, the default (outputs, signature serials): once commit
 *   returns, the new content survives a power loss.
 * ORDERED (a source's last good list): the content reaches the disk
 *   before the name points at it, so a power loss leaves the old file or
 *   the new one, never an empty or partial one, but which of the two is
 *   not waited for (no fsync of the directory: a journal commit per file).
 * UNSYNCED (status files, the URL cache): no fsync at all.  For files
 *   whose loss costs nothing but a little work, and whose loader refuses
 *   an empty or torn copy as if absent.  Each fsync here is a cache
 *   flush of the virtual disk, 1 to 30 ms depending on the host: with
 *   the ranges cheap to handle, the flushes were most of a run's wall
 *   time and all of its variance. */
enum atomicfile_sync { ATOMICFILE_DURABLE, ATOMICFILE_ORDERED, ATOMICFILE_UNSYNCED };

/* Check the target, create the temporary file.  NULL with err set. */
struct atomicfile *atomicfile_open(const char *path, mode_t new_mode, struct err *err);
/* Where to write the content. */
FILE *atomicfile_stream(struct atomicfile *af);
/* Path of the temporary file (to re-read it before commit). */
const char *atomicfile_temp(const struct atomicfile *af);
/* Flush, fsync (unless UNSYNCED) and close the temporary file (catches
 * ENOSPC/EIO).
 * 0 or -1 with err (the temporary file is then removed). */
int atomicfile_sync(struct atomicfile *af, struct err *err);
/* Sync if not done, rename over the target, fsync the directory, free.
 * 0 or -1 with err (the target unchanged, the temp removed, af freed). */
int atomicfile_commit(struct atomicfile *af, struct err *err);
/* Choose what commit waits for (before commit). */
void atomicfile_set_sync(struct atomicfile *af, enum atomicfile_sync how);
/* Remove the temporary file and free; NULL is a no-op. */
void atomicfile_abort(struct atomicfile *af);

/* Remove temporaries of `path` left by a killed run (the caller holds
 * the run lock).  atomicfile_open does it too. */
void atomicfile_cleanup(const char *path);

/* Read a whole regular file into memory (NUL-terminated).  0; 1 when it
 * does not exist; -1 with err (also for symlinks and non-regular files). */
int atomicfile_read(const char *path, char **buf, size_t *len, struct err *err);

/* Write `len` bytes to `path` atomically in one go (durably, or as
 * `how` says). */
int atomicfile_write(const char *path, mode_t new_mode, const void *buf, size_t len,
		     struct err *err);
int atomicfile_write_sync(const char *path, mode_t new_mode, const void *buf, size_t len,
			  enum atomicfile_sync how, struct err *err);

#endif
