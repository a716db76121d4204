#include "config.h"

#include <stdarg.h>
#include <stdio.h>

#include "llsr/err.h"
#include "llsr/utf8.h"

int
err_set(struct llsr_err *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!e)
		return -1;
	e->status = status;
	e->code = code;
	e->index = -1;
	e->cost_ms = -1;
	e->max_cost_ms = -1;
	va_start(ap, fmt);
	n = vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	/* A cut message must not end inside a character. */
	if (n >= (int)sizeof(e->message))
		utf8_trim(e->message);
	return -1;
}

void
err_clear(struct llsr_err *e)
{
	e->status = 0;
	e->code = NULL;
	e->message[0] = '\0';
	e->index = -1;
	e->cost_ms = -1;
	e->max_cost_ms = -1;
}

int
err_buf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (buf && size) {
		va_start(ap, fmt);
		vsnprintf(buf, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}
