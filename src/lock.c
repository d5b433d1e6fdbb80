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
lock_acquire(const char *state_dir, int *fd, char *err)
{
	char path[4096];
	int f;

	snprintf(path, sizeof path, "%s/lock", state_dir);
	if ((f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(err, LOCK_ERR_MAX, "cannot open %s/lock: %s", state_dir, strerror(errno));
		return -1;
	}
	while (flock(f, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EINTR)
			continue;
		int e = errno;
		close(f);
		if (e == EWOULDBLOCK)
			return 1;
		snprintf(err, LOCK_ERR_MAX, "cannot lock %s/lock: %s", state_dir, strerror(e));
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
