/* lock — one run at a time: flock on STATE_DIR/lock. */
#ifndef ALLOWSYNC_LOCK_H
#define ALLOWSYNC_LOCK_H

#include "err.h"

/* 0 with *fd holding the lock; 1 when another process holds it;
 * -1 with err. */
int lock_acquire(const char *state_dir, int *fd, struct err *err);
/* Release; a negative fd is a no-op. */
void lock_release(int fd);

#endif
