/* lock — flock(2) on a file in the state directory.  The kernel drops
 * it when the process dies, so a killed run never blocks the next one. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int
lock_acquire(const char *state_dir, bool shared, int *fd, struct err *err)
{
	char path[4096];
	int f;

	*fd = -1;
	snprintf(path, sizeof path, "%s/lock", state_dir);
	f = shared ? open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
		   : open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (f < 0 && shared && errno == ENOENT)
		return 0; /* no run yet: nothing to wait for */
	if (f < 0) {
		err_errno(err, errno, "cannot open %s/lock", state_dir);
		return -1;
	}
	while (flock(f, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(f);
		if (e == EWOULDBLOCK)
			return 1;
		err_errno(err, e, "cannot lock %s/lock", state_dir);
		return -1;
	}
	*fd = f;
	return 0;
}

void
lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}
