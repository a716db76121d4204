#ifndef LLSR_UTF8_H
#define LLSR_UTF8_H
/* UTF-8 for what the service writes back: client text echoed in an error
 * message must leave as valid UTF-8 (RFC 8259 wants it; json-c copies a
 * string's bytes as they are), and a cut must never split a character. */

#include <stddef.h>

/* Length (1 to 4) of the well-formed UTF-8 sequence at s[0..n), or 0 when
 * there is none: a stray continuation byte, a truncated sequence, an
 * overlong form, a surrogate (U+D800..DFFF) or a value past U+10FFFF. n can
 * be 0 (then 0). */
size_t utf8_seq_len(const char *s, size_t n);

/* 1 when s[0..n) is well-formed UTF-8 throughout. */
int utf8_valid(const char *s, size_t n);

/* Quotes client text s[0..n) into dst[0..size) for an error message, and
 * NUL-terminates it (size must be at least 8). Well-formed characters are
 * copied, except the C0 controls and DEL; those, NUL among them, and every
 * byte not part of a well-formed sequence are written as \xNN. When the whole
 * does not fit, the output ends at a character boundary followed by "...".
 * The result is always well-formed UTF-8 without NUL or control bytes.
 * Returns dst, so that it can be a printf argument. */
const char *utf8_quote(char *dst, size_t size, const char *s, size_t n);

/* Shortens the NUL-terminated s so that it does not end inside a character:
 * drops a trailing, incomplete sequence (what a byte-counting cut such as
 * snprintf's leaves). Bytes before it are left as they are. */
void utf8_trim(char *s);

#endif
