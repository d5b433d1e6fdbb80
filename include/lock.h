/* lock — one run at a time: flock on STATE_DIR/lock. */
#ifndef ALLOWSYNC_LOCK_H
#define ALLOWSYNC_LOCK_H

#include "err.h"

#include <stdbool.h>

/* 0 with *fd holding the lock; 1 when another process holds it;
 * -1 with err.  shared (diff): a shared lock on the lock file if it is
 * there, creating nothing — 0 with *fd = -1 when it is not. */
int lock_acquire(const char *state_dir, bool shared, int *fd, struct err *err);
/* Release; a negative fd is a no-op. */
void lock_release(int fd);

#endif
