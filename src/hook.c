/* hook — run `on_change` commands, and programs allowsync asks something
 * (postconf), without a shell. */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

void
hook_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

char **
hook_split(const char *cmd, struct err *err)
{
	size_t cap = 8, n = 0, len = strlen(cmd);
	char **argv = calloc(cap, sizeof *argv);
	char *word = malloc(len + 1);
	const char *p = cmd;
	const char *why = "out of memory";

	if (!argv || !word)
		goto fail;
	for (;;) {
		size_t w = 0;
		bool have = false;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		while (*p && *p != ' ' && *p != '\t') {
			have = true;
			if (*p == '\'') {
				const char *end = strchr(p + 1, '\'');
				if (!end) {
					why = "unterminated ' quote";
					goto fail;
				}
				memcpy(word + w, p + 1, (size_t)(end - p - 1));
				w += (size_t)(end - p - 1);
				p = end + 1;
			} else if (*p == '"') {
				p++;
				while (*p && *p != '"') {
					if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
						p++;
					word[w++] = *p++;
				}
				if (!*p) {
					why = "unterminated \" quote";
					goto fail;
				}
				p++;
			} else if (*p == '\\') {
				if (!p[1]) {
					why = "backslash at the end";
					goto fail;
				}
				word[w++] = p[1];
				p += 2;
			} else {
				word[w++] = *p++;
			}
		}
		if (!have)
			continue;
		if (n + 2 > cap) {
			char **grown = realloc(argv, 2 * cap * sizeof *argv);
			if (!grown) {
				why = "out of memory";
				goto fail;
			}
			argv = grown;
			cap *= 2;
		}
		if (!(argv[n] = strndup(word, w))) {
			why = "out of memory";
			goto fail;
		}
		argv[++n] = NULL;
	}
	if (n == 0) {
		why = "empty command";
		goto fail;
	}
	free(word);
	return argv;
fail:
	err_set(err, "%s", why);
	free(word);
	hook_argv_free(argv);
	return NULL;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Wait up to `ms` for pid; true with *status when it ended. */
static bool
wait_for(pid_t pid, long ms, int *status)
{
	for (long waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return true;
		if (waited >= ms)
			return false;
		sleep_ms(waited < 100 ? 2 : 10);
	}
}

/* Start `file` (PATH searched when it has no slash) with argv, stdin
 * from /dev/null, in its own process group; with outfd/errfd >= 0 its
 * stdout and stderr go there.  0 with *pid, or -1 with err. */
static int
spawn(const char *file, char *const argv[], int outfd, int errfd, pid_t *pid, struct err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int rc;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return err_set(err, "cannot run: out of memory");
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		return err_set(err, "cannot run: out of memory");
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (outfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	if (errfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, errfd, 2);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	rc = strchr(file, '/') ? posix_spawn(pid, file, &fa, &attr, argv, environ)
			       : posix_spawnp(pid, file, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0)
		return err_errno(err, rc, "cannot run %s", file);
	return 0;
}

/* The group of pid ends: SIGTERM, and SIGKILL 2 s later. */
static void
kill_group(pid_t pid, int *status)
{
	kill(-pid, SIGTERM);
	if (!wait_for(pid, 2000, status)) {
		kill(-pid, SIGKILL);
		waitpid(pid, status, 0);
	}
}

/* 0 when it exited with status 0, else -1 with err saying how it ended. */
static int
exit_status(const char *name, int status, struct err *err)
{
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err_set(err, "%s exited with status 127 (not found?)", name);
	else if (WIFEXITED(status))
		err_set(err, "%s exited with status %d", name, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		err_set(err, "%s killed by signal %d", name, WTERMSIG(status));
	else
		err_set(err, "%s ended abnormally", name);
	return -1;
}

static long
timeout_ms(uint64_t timeout)
{
	return timeout > 86400 ? 86400000L : (long)timeout * 1000;
}

int
hook_run(char *const argv[], uint64_t timeout, struct err *err)
{
	pid_t pid;
	int status = 0;

	if (spawn(argv[0], argv, -1, -1, &pid, err) < 0)
		return -1;
	if (!wait_for(pid, timeout_ms(timeout), &status)) {
		kill_group(pid, &status);
		return err_set(err, "%s timed out after %llus", argv[0],
			       (unsigned long long)timeout);
	}
	return exit_status(argv[0], status, err);
}

static long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads from a child's pipes, and how much of its stderr is kept. */
#define READ_CHUNK 4096
#define STDERR_KEEP 4096
_Static_assert(STDERR_KEEP >= READ_CHUNK, "a chunk fits in the kept tail");

/* What a captured stream holds so far (buf NUL-terminated once any). */
struct sink {
	int fd; /* -1 once at its end */
	char *buf;
	size_t len, cap, max;
	bool tail; /* past max: keep the last max bytes, not fail */
};

/* Read what is there; 0, or -1 when the stream cannot be read (errno)
 * or outgrew its limit (EFBIG; unless it keeps its tail). */
static int
drain(struct sink *s)
{
	char tmp[READ_CHUNK];
	ssize_t n = read(s->fd, tmp, sizeof tmp);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (n == 0) {
		close(s->fd);
		s->fd = -1;
		return 0;
	}
	if ((size_t)n > s->max - s->len) {
		if (!s->tail) {
			errno = EFBIG;
			return -1;
		}
		/* Only the end matters (the reason is its last line);
		 * a chunk is never more than a tail's max. */
		size_t drop = (size_t)n - (s->max - s->len);
		memmove(s->buf, s->buf + drop, s->len - drop);
		s->len -= drop;
	}
	if (s->len + (size_t)n + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : READ_CHUNK;
		while (cap < s->len + (size_t)n + 1)
			cap *= 2;
		char *grown = realloc(s->buf, cap);
		if (!grown)
			return -1;
		s->buf = grown;
		s->cap = cap;
	}
	memcpy(s->buf + s->len, tmp, (size_t)n);
	s->len += (size_t)n;
	s->buf[s->len] = 0;
	return 0;
}

/* The last non-empty line of a stream, for a message. */
static const char *
last_line(char *buf, size_t len)
{
	if (!buf)
		return "";
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	char *nl = memrchr(buf, '\n', len);
	return nl ? nl + 1 : buf;
}

/* Read both streams to their end: 0; 1 when the deadline came first;
 * -1 with err (the child is still to be reaped either way). */
static int
collect(const char *name, struct sink *so, struct sink *se, long deadline, struct err *err)
{
	while (so->fd >= 0 || se->fd >= 0) {
		struct pollfd pfd[2] = {{so->fd, POLLIN, 0}, {se->fd, POLLIN, 0}};
		long left = deadline - now_ms();
		if (left <= 0)
			return 1;
		if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) < 0) {
			if (errno == EINTR)
				continue;
			return err_errno(err, errno, "%s: cannot read its output", name);
		}
		if ((pfd[0].revents && drain(so) < 0) || (pfd[1].revents && drain(se) < 0)) {
			if (errno == EFBIG)
				return err_set(err, "%s printed more than %zu bytes", name,
					       so->max);
			return err_errno(err, errno, "%s: cannot read its output", name);
		}
	}
	return 0;
}

int
hook_capture(const char *file, char *const argv[], uint64_t timeout, size_t max, char **out,
	     size_t *outlen, struct err *err)
{
	int po[2] = {-1, -1}, pe[2] = {-1, -1}, status = 0, rc = -1, r;
	struct sink so = {.fd = -1, .max = max}, se = {.fd = -1, .max = STDERR_KEEP, .tail = true};
	long deadline = now_ms() + timeout_ms(timeout), left;
	pid_t pid;

	*out = NULL;
	*outlen = 0;
	if (pipe2(po, O_CLOEXEC) < 0 || pipe2(pe, O_CLOEXEC) < 0) {
		err_errno(err, errno, "cannot run %s", argv[0]);
		goto out;
	}
	if (spawn(file, argv, po[1], pe[1], &pid, err) < 0)
		goto out;
	close(po[1]);
	close(pe[1]);
	so.fd = po[0];
	se.fd = pe[0];
	po[0] = po[1] = pe[0] = pe[1] = -1;
	if ((r = collect(argv[0], &so, &se, deadline, err)) < 0) {
		kill_group(pid, &status);
		goto out;
	}
	left = deadline - now_ms();
	if (r > 0 || !wait_for(pid, left > 0 ? left : 0, &status)) {
		kill_group(pid, &status);
		err_set(err, "%s timed out after %llus", argv[0], (unsigned long long)timeout);
		goto out;
	}
	if (exit_status(argv[0], status, err) < 0) {
		const char *why = last_line(se.buf, se.len);
		if (*why)
			err_set(err, "%.200s: %.1200s", err->msg, why);
		goto out;
	}
	if (!so.buf && !(so.buf = calloc(1, 1))) {
		err_set(err, "%s: out of memory", argv[0]);
		goto out;
	}
	*out = so.buf;
	*outlen = so.len;
	so.buf = NULL;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	if (so.fd >= 0)
		close(so.fd);
	if (se.fd >= 0)
		close(se.fd);
	free(so.buf);
	free(se.buf);
	return rc;
}
