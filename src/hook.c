/* hook — run `on_change` commands without a shell. */
#include "hook.h"

#include <errno.h>
#include <fcntl.h>
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

int
hook_run(char *const argv[], uint64_t timeout, struct err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	pid_t pid;
	int status = 0, rc;

	if (posix_spawn_file_actions_init(&fa) != 0) {
		err_set(err, "cannot run: out of memory");
		return -1;
	}
	if (posix_spawnattr_init(&attr) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		err_set(err, "cannot run: out of memory");
		return -1;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK);
	rc = strchr(argv[0], '/') ? posix_spawn(&pid, argv[0], &fa, &attr, argv, environ)
				  : posix_spawnp(&pid, argv[0], &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (rc != 0) {
		err_errno(err, rc, "cannot run %s", argv[0]);
		return -1;
	}
	long ms = timeout > 86400 ? 86400000L : (long)timeout * 1000;
	if (!wait_for(pid, ms, &status)) {
		kill(-pid, SIGTERM);
		if (!wait_for(pid, 2000, &status)) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
		err_set(err, "%s timed out after %llus", argv[0], (unsigned long long)timeout);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		err_set(err, "%s exited with status 127 (not found?)", argv[0]);
	else if (WIFEXITED(status))
		err_set(err, "%s exited with status %d", argv[0], WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		err_set(err, "%s killed by signal %d", argv[0], WTERMSIG(status));
	else
		err_set(err, "%s ended abnormally", argv[0]);
	return -1;
}
