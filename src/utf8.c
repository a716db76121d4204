#include "config.h"

#include <stdio.h>
#include <string.h>

#include "llsr/utf8.h"

size_t
utf8_seq_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned char lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (n == 0)
		return 0;
	if (p[0] < 0x80)
		return 1;
	/* RFC 3629, section 4: the second byte's range depends on the first,
	 * which shuts out overlong forms, surrogates and values past
	 * U+10FFFF. */
	if (p[0] >= 0xC2 && p[0] <= 0xDF)
		len = 2;
	else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3;
		if (p[0] == 0xE0)
			lo = 0xA0;
		else if (p[0] == 0xED)
			hi = 0x9F;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4;
		if (p[0] == 0xF0)
			lo = 0x90;
		else if (p[0] == 0xF4)
			hi = 0x8F;
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq_len(s + i, n - i);
		if (!k)
			return 0;
		i += k;
	}
	return 1;
}

/* The next piece of utf8_quote's output at s[0..n), n > 0: *in is set to the
 * bytes it takes, and its output size (a character, or 4 for \xNN) is
 * returned. */
static size_t
quote_piece(const char *s, size_t n, size_t *in)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = utf8_seq_len(s, n);

	if (k == 1 && (c < 0x20 || c == 0x7F))
		k = 0; /* a control: escaped like a bad byte */
	*in = k ? k : 1;
	return k ? k : 4;
}

const char *
utf8_quote(char *dst, size_t size, const char *s, size_t n)
{
	static const char more[] = "...";
	size_t i, o, in, out, total = 0, limit;

	if (size < 8) {
		if (size)
			dst[0] = '\0';
		return dst;
	}
	for (i = 0; i < n; i += in)
		total += quote_piece(s + i, n - i, &in);
	/* Room for the pieces: all of it with the NUL, or less "...". */
	limit = total < size ? size - 1 : size - sizeof(more);
	for (i = 0, o = 0; i < n; i += in, o += out) {
		out = quote_piece(s + i, n - i, &in);
		if (o + out > limit)
			break;
		if (out == in)
			memcpy(dst + o, s + i, in);
		else
			snprintf(dst + o, 5, "\\x%02X", (unsigned char)s[i]);
	}
	if (i < n)
		memcpy(dst + o, more, sizeof(more));
	else
		dst[o] = '\0';
	return dst;
}

void
utf8_trim(char *s)
{
	size_t n = strlen(s), start = n, back = 0;
	unsigned char c;

	/* Find the lead byte of the last sequence: at most 3 continuation
	 * bytes back. */
	while (start > 0 && back < 4) {
		c = (unsigned char)s[start - 1];
		start--;
		back++;
		if ((c & 0xC0) != 0x80)
			break;
	}
	if (back == 0)
		return;
	c = (unsigned char)s[start];
	if ((c & 0xC0) == 0x80)
		return; /* only continuation bytes: not a cut sequence */
	if (c >= 0xC2 && c <= 0xF4 && utf8_seq_len(s + start, n - start) == 0) {
		/* A lead byte whose sequence is cut short: drop it if what
		 * follows it is all continuation bytes, i.e. a plain cut. */
		size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;

		if (n - start < want)
			s[start] = '\0';
	}
}
