/* log — one line per event on stderr; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The program's only mutable globals: the logger's settings, set before
 * any thread starts, and each thread's capture. */
static enum log_level log_max = LOG_LVL_NOTICE;
static int log_journal;
static _Thread_local struct log_buf *log_captured;

void
log_capture(struct log_buf *b)
{
	log_captured = b;
}

void
log_buf_flush(struct log_buf *b)
{
	if (b->len)
		fwrite(b->text, 1, b->len, stderr);
	free(b->text);
	*b = (struct log_buf){0};
}

/* Keep a line for later; false when there is no memory for it. */
static bool
keep(struct log_buf *b, const char *line, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 1024;
		char *t;

		while (cap - b->len < n)
			cap *= 2;
		if (!(t = realloc(b->text, cap)))
			return false;
		b->text = t;
		b->cap = cap;
	}
	memcpy(b->text + b->len, line, n);
	b->len += n;
	return true;
}

void
log_init(enum log_level max)
{
	log_max = max;
	/* systemd sets JOURNAL_STREAM when stderr goes to the journal; the
	 * <N> prefix then carries the priority (sd-daemon(3)). */
	log_journal = getenv("JOURNAL_STREAM") != NULL;
}

void
log_set_level(enum log_level max)
{
	log_max = max;
}

enum log_level
log_get_level(void)
{
	return log_max;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const label[] = {
		[LOG_LVL_ERR] = "error: ",  [LOG_LVL_WARN] = "warning: ", [LOG_LVL_NOTICE] = "",
		[LOG_LVL_INFO] = "",        [LOG_LVL_DEBUG] = "debug: ",
	};
	char line[2048], out[2100];
	va_list ap;
	int n;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (log_journal)
		n = snprintf(out, sizeof out, "<%d>%s\n", (int)lvl, line);
	else
		n = snprintf(out, sizeof out, "allowsync: %s%s\n", label[lvl], line);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof out)
		n = sizeof out - 1;
	/* Out of memory for the buffer: the line now, out of order, rather
	 * than not at all. */
	if (!log_captured || !keep(log_captured, out, (size_t)n))
		fwrite(out, 1, (size_t)n, stderr);
}
