#include "config.h"

#include <stdint.h>

#include "llsr/b64.h"

#define WS 0x40 /* skipped: space, tab, CR, LF */
#define PD 0x41 /* '=' */
#define XX 0xff /* not allowed anywhere */

static const char b64_etab[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* ASCII only; bytes above 0x7f are XX. */
/* clang-format off */
static const unsigned char b64_dtab[128] = {
	XX, XX, XX, XX, XX, XX, XX, XX, XX, WS, WS, XX, XX, WS, XX, XX,
	XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX,
	WS, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, 62, XX, XX, XX, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, XX, XX, XX, PD, XX, XX,
	XX,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, XX, XX, XX, XX, XX,
	XX, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, XX, XX, XX, XX, XX,
};
/* clang-format on */

size_t
b64_decoded_max(size_t inlen)
{
	/* Padding is required, so only whole groups of 4 produce output. */
	return inlen / 4 * 3;
}

int
b64_decode(const char *in, size_t inlen, unsigned char *out, size_t *outlen,
	   size_t *err_off)
{
	uint32_t acc = 0;
	size_t i, o = 0, last = 0;
	unsigned char c, v;
	int n = 0;    /* significant characters in the group */
	int pad = 0;  /* '=' in the group */
	int done = 0; /* a padded group ended the data */

	for (i = 0; i < inlen; i++) {
		c = (unsigned char)in[i];
		v = c < sizeof(b64_dtab) ? b64_dtab[c] : XX;
		if (v == WS)
			continue;
		if (v == XX || done)
			goto fail;
		if (v == PD) {
			/* "x===" or "====" would carry less than one byte */
			if (n < 2)
				goto fail;
			pad++;
		} else {
			if (pad)
				goto fail;
			acc = acc << 6 | v;
			last = i;
		}
		if (++n < 4)
			continue;
		switch (pad) {
		case 0:
			out[o++] = (unsigned char)(acc >> 16);
			out[o++] = (unsigned char)(acc >> 8);
			out[o++] = (unsigned char)acc;
			break;
		case 1: /* 18 bits: 2 bytes and 2 unused bits */
			if (acc & 0x3) {
				i = last;
				goto fail;
			}
			out[o++] = (unsigned char)(acc >> 10);
			out[o++] = (unsigned char)(acc >> 2);
			break;
		default: /* 12 bits: 1 byte and 4 unused bits */
			if (acc & 0xf) {
				i = last;
				goto fail;
			}
			out[o++] = (unsigned char)(acc >> 4);
			break;
		}
		done = pad > 0;
		acc = 0;
		n = 0;
		pad = 0;
	}
	if (n != 0) /* i == inlen: the input ends inside a group */
		goto fail;
	*outlen = o;
	return 0;
fail:
	if (err_off)
		*err_off = i;
	return -1;
}

size_t
b64_encoded_len(size_t n)
{
	return n / 3 * 4 + (n % 3 ? 4 : 0);
}

void
b64_encode(const unsigned char *in, size_t n, char *out)
{
	uint32_t acc;

	for (; n >= 3; n -= 3, in += 3) {
		acc = (uint32_t)in[0] << 16 | (uint32_t)in[1] << 8 | in[2];
		*out++ = b64_etab[acc >> 18];
		*out++ = b64_etab[acc >> 12 & 0x3f];
		*out++ = b64_etab[acc >> 6 & 0x3f];
		*out++ = b64_etab[acc & 0x3f];
	}
	if (n) {
		acc = (uint32_t)in[0] << 16;
		if (n == 2)
			acc |= (uint32_t)in[1] << 8;
		*out++ = b64_etab[acc >> 18];
		*out++ = b64_etab[acc >> 12 & 0x3f];
		*out++ = n == 2 ? b64_etab[acc >> 6 & 0x3f] : '=';
		*out++ = '=';
	}
	*out = '\0';
}
