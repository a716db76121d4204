#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/b64.h"

/* Decoding is strict (padding required, unused bits zero), so whatever
 * decodes must re-encode to exactly the input without its whitespace. And
 * any input, taken as bytes, must survive encode then decode. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	unsigned char *dec, *back;
	char *enc, *stripped;
	size_t max, outlen, backlen, err_off, i, n = 0;

	max = b64_decoded_max(size);
	dec = malloc(max ? max : 1);
	stripped = malloc(size + 1);
	/* outlen <= size, so this holds both encodings */
	enc = malloc(b64_encoded_len(size) + 1);
	back = malloc(b64_decoded_max(b64_encoded_len(size)) + 1);
	if (!dec || !stripped || !enc || !back)
		abort();

	if (b64_decode(in, size, dec, &outlen, &err_off) == 0) {
		if (outlen > max)
			abort();
		for (i = 0; i < size; i++)
			if (in[i] != ' ' && in[i] != '\t' && in[i] != '\r' &&
			    in[i] != '\n')
				stripped[n++] = in[i];
		b64_encode(dec, outlen, enc);
		if (strlen(enc) != n || memcmp(enc, stripped, n) != 0)
			abort();
	} else if (err_off > size) {
		abort();
	}

	b64_encode(data, size, enc);
	if (strlen(enc) != b64_encoded_len(size))
		abort();
	if (b64_decode(enc, strlen(enc), back, &backlen, &err_off) != 0 ||
	    backlen != size || (size && memcmp(back, data, size) != 0))
		abort();

	free(dec);
	free(stripped);
	free(enc);
	free(back);
	return 0;
}
