#ifndef LLSR_SHA256_H
#define LLSR_SHA256_H
/* SHA-256 (FIPS 180-4), for the content keys of llsr eval's results lines.
 * Not for secrets: no care is taken against timing or to wipe state. */

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t used; /* bytes in block */
};

void sha256_init(struct sha256 *c);
void sha256_update(struct sha256 *c, const void *data, size_t len);
/* Writes the digest to out; c must be initialised again to be reused. */
void sha256_final(struct sha256 *c, unsigned char out[SHA256_LEN]);
/* The digest of c's data as 64 lowercase hex digits and a NUL in hex. */
void sha256_final_hex(struct sha256 *c, char hex[2 * SHA256_LEN + 1]);

#endif
