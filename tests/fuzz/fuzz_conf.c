/* libFuzzer: the configuration reader (libinih plus our line tracking,
 * long-line pass-through, sections and every key check, [publish]'s as
 * every command checks it) never crashes or leaks, and either accepts
 * the file or gives a reason with a line that exists in it. */
#include "conf.h"
#include "log.h"
#include "publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct conf *c = NULL;
	struct err err;
	int fd = memfd_create("conf", MFD_CLOEXEC);
	size_t lines = 1;
	const char *reason; /* after "FILE:LINE: " */

	if (fd < 0)
		return 0;
	log_set_level(LOG_LVL_ERR);
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	setenv("ALLOWSYNC_PRESETS", "/nonexistent", 1);
	int rc = conf_load(path, CONF_LOAD_NO_OWNER_CHECK, &c, &err);
	if (rc == 0) {
		if (c->n_sources == 0)
			abort();
		rc = publish_conf_check(c, &err);
		conf_free(c);
	}
	if (rc != 0 && (err.line > lines || !(reason = strstr(err.msg, ": ")) || !reason[2]))
		abort();
	close(fd);
	return 0;
}
