#ifndef LLSR_BUF_H
#define LLSR_BUF_H
/* A growable byte buffer with a hard maximum, fixed at init. Every buffer
 * that grows from outside input is one of these, so every cap is checked
 * before the allocation, never after. */

#include <stddef.h>

struct buf {
	char *data; /* NUL-terminated once anything was appended; may be NULL */
	size_t len; /* bytes in use, not counting the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* len never exceeds this */
};

/* Prepares an empty buffer that will hold at most max bytes. */
void buf_init(struct buf *b, size_t max);

/* Appends n bytes. Returns 0, or -1 (and appends nothing) when len + n would
 * exceed max or memory ran out; errno is E2BIG or ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Appends as much of p as fits under max. Returns the number of bytes taken. */
size_t buf_append_some(struct buf *b, const void *p, size_t n);

/* printf into the buffer; same return as buf_append. */
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Empties the buffer and keeps its memory. */
void buf_reset(struct buf *b);

/* Frees the memory; the buffer is empty and reusable afterwards. b can be NULL.
 */
void buf_release(struct buf *b);

/* Hands the memory to the caller (caller frees; never NULL on success: an
 * empty buffer yields ""), leaving b empty. Returns NULL on ENOMEM. */
char *buf_detach(struct buf *b, size_t *len);

#endif
