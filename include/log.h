/* log — one line per event on stderr.
 *
 * Messages start with the object they are about (`source "x": …`).
 * Under systemd (JOURNAL_STREAM set) each line carries a <N> priority
 * prefix so the journal records the severity.  The logger never exits;
 * its settings are the only mutable global state of the program.
 */
#ifndef ALLOWSYNC_LOG_H
#define ALLOWSYNC_LOG_H

enum log_level { LOG_LVL_ERR = 3, LOG_LVL_WARN = 4, LOG_LVL_NOTICE = 5, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

/* Show messages up to `max` (default LOG_LVL_NOTICE); reads JOURNAL_STREAM. */
void log_init(enum log_level max);
void log_set_level(enum log_level max);
enum log_level log_get_level(void);

void log_msg(enum log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
