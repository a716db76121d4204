#ifndef LLSR_B64_H
#define LLSR_B64_H
/* Base64, RFC 4648 section 4 (standard alphabet, '=' padding). */

#include <stddef.h>

/* Upper bound of the decoded size of inlen input bytes. */
size_t b64_decoded_max(size_t inlen);

/* Decodes in[0..inlen). Space, tab, CR and LF anywhere are skipped, so the
 * 76-column output of base64(1) decodes. Padding is required (the count of
 * significant characters must be a multiple of 4), '=' may appear only as
 * the last one or two significant characters, and the unused bits of the
 * last group must be zero. out must hold b64_decoded_max(inlen) bytes; on
 * success *outlen is the decoded size and 0 is returned. On bad input, -1
 * is returned and *err_off is the byte offset in `in` of the first offending
 * byte (inlen when the input ends in the middle of a group). */
int b64_decode(const char *in, size_t inlen, unsigned char *out, size_t *outlen,
	       size_t *err_off);

/* Size of the encoding of n bytes, without the terminating NUL. */
size_t b64_encoded_len(size_t n);

/* Encodes in[0..n) into out, which must hold b64_encoded_len(n) + 1 bytes,
 * and NUL-terminates it. No line breaks. */
void b64_encode(const unsigned char *in, size_t n, char *out);

#endif
