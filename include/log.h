/* log — one line per event on stderr.
 *
 * Messages start with the object they are about (`source "x": …`).
 * Under systemd (JOURNAL_STREAM set) each line carries a <N> priority
 * prefix so the journal records the severity.  The logger never exits;
 * its settings are the only mutable global state of the program (set
 * before any thread starts).
 *
 * A source collected on a worker thread (parallel.h) logs into a buffer
 * of its own (log_capture), which the run prints when its turn comes in
 * configuration order (log_buf_flush).
 */
#ifndef ALLOWSYNC_LOG_H
#define ALLOWSYNC_LOG_H

#include <stddef.h>

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_NOTICE = 5, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Show messages up to `max` (default LOG_LVL_NOTICE); reads JOURNAL_STREAM. */
void log_init(enum log_level max);
void log_set_level(enum log_level max);
enum log_level log_get_level(void);

struct log_buf {
	char *text;
	size_t len, cap;
};

/* This thread's lines go to b from now on (NULL: to stderr again). */
void log_capture(struct log_buf *b);
/* Print what b holds, in one write, and empty it. */
void log_buf_flush(struct log_buf *b);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
