/* log — one line per event on stderr; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

/* The program's only mutable globals: the logger's settings. */
static enum log_level log_max = LOG_LVL_NOTICE;
static int log_journal;

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
	char line[2048];
	va_list ap;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", (int)lvl, line);
	else
		fprintf(stderr, "allowsync: %s%s\n", label[lvl], line);
}
