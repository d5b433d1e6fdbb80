/* err — the one error type: why something failed, as one line of text,
 * and the input line it concerns.
 *
 * Every fallible function takes a `struct err *err` as its last argument
 * and fills it when it fails.  Parsers say what is wrong with the text;
 * the callers add what they know (the stage, the source or output name,
 * the path) in front with err_prefix, so the message that reaches the log
 * reads from the outside in:
 *
 *   output "fw": prepare: set allowsync4: No such file or directory
 *
 * It lives on the caller's stack (no allocation, so "out of memory" can
 * always be reported) and every helper truncates rather than overflows:
 * the text is always NUL-terminated, at most ERR_MAX - 1 bytes.
 */
#ifndef ALLOWSYNC_ERR_H
#define ALLOWSYNC_ERR_H

#include <stdarg.h>
#include <stddef.h>

/* The longest message today is a configuration error (a 512-byte path,
 * its line and a 512-byte reason) or a run's stage prefixes in front of
 * a 1024-byte reason; log lines are cut at 2048 bytes anyway. */
#define ERR_MAX 2048

struct err {
	size_t line;       /* line of the input it concerns; 0 = the input as a whole */
	char msg[ERR_MAX]; /* the reason, "" when none */
};

/* No error: an empty message, line 0. */
void err_clear(struct err *e);

/* Set the message (line 0).  The arguments may point into e->msg.
 * Returns -1, so that `return err_set(err, …);` fails a function. */
int err_set(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int err_setv(struct err *e, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* The same, about line `line` of the input. */
int err_set_line(struct err *e, size_t line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* "TEXT: strerror(errnum)" (errnum passed in because formatting may
 * change errno).  Returns -1. */
int err_errno(struct err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Put "CONTEXT: " in front of the message (the line is kept).  When the
 * whole does not fit, the end of the old message is cut.  Returns -1. */
int err_prefix(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message ("" when none). */
const char *err_msg(const struct err *e);

#endif
