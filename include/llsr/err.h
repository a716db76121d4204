#ifndef LLSR_ERR_H
#define LLSR_ERR_H
/* The error a request is answered with: an HTTP status, a stable
 * machine-readable code and a human message. Owned by the caller. */

#include <stdarg.h>
#include <stddef.h>

struct llsr_err {
	int status;	  /* HTTP status, e.g. 400 */
	const char *code; /* static string, e.g. "invalid_base64" */
	char message[512];
	long index; /* batch element at fault, or -1 */
	/* batch_too_costly: the batch's cost and the limit it is over (what
	 * a client needs to split it), else -1. */
	long cost_ms, max_cost_ms;
};

/* Fills e (e can be NULL: then nothing happens). Returns -1 so that callers
 * can write `return err_set(...)`. A message too long for e->message is cut
 * at a UTF-8 character boundary. Client text in a message goes through
 * utf8_quote (llsr/utf8.h) first. */
int err_set(struct llsr_err *e, int status, const char *code, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));

void err_clear(struct llsr_err *e);

/* Formats a message into buf[0..size) (buf can be NULL or size 0: nothing is
 * written) and returns -1, for callers that report into a plain buffer. */
int err_buf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
