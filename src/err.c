/* err — the one error type; see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

void
err_clear(struct err *e)
{
	e->line = 0;
	e->msg[0] = '\0';
}

/* Format into a scratch buffer first: the arguments may be e->msg itself
 * (vsnprintf onto its own source is undefined). */
int
err_setv(struct err *e, const char *fmt, va_list ap)
{
	char tmp[ERR_MAX];

	if (vsnprintf(tmp, sizeof tmp, fmt, ap) < 0)
		tmp[0] = '\0';
	memcpy(e->msg, tmp, strlen(tmp) + 1);
	e->line = 0;
	return -1;
}

int
err_set(struct err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(e, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_set_line(struct err *e, size_t line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_setv(e, fmt, ap);
	va_end(ap);
	e->line = line;
	return -1;
}

int
err_errno(struct err *e, int errnum, const char *fmt, ...)
{
	const char *why = strerror(errnum);
	char tmp[ERR_MAX];
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(tmp, sizeof tmp, fmt, ap) < 0)
		tmp[0] = '\0';
	va_end(ap);
	return err_set(e, "%s: %s", tmp, why);
}

int
err_prefix(struct err *e, const char *fmt, ...)
{
	char ctx[ERR_MAX];
	size_t n, keep;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(ctx, sizeof ctx, fmt, ap) < 0)
		ctx[0] = '\0';
	va_end(ap);
	n = strlen(ctx);
	/* "CONTEXT: " alone fills the buffer: it is all that is left. */
	if (n + 2 >= ERR_MAX) {
		memcpy(e->msg, ctx, n);
		if (n < ERR_MAX - 1)
			e->msg[n++] = ':';
		e->msg[n] = '\0';
		return -1;
	}
	keep = strnlen(e->msg, ERR_MAX - 1);
	if (keep > ERR_MAX - 1 - (n + 2))
		keep = ERR_MAX - 1 - (n + 2);
	memmove(e->msg + n + 2, e->msg, keep);
	e->msg[n + 2 + keep] = '\0';
	memcpy(e->msg, ctx, n);
	memcpy(e->msg + n, ": ", 2);
	return -1;
}

const char *
err_msg(const struct err *e)
{
	return e->msg;
}
