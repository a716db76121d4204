#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "llsr/b64.h"
#include "tap_main.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decodes into a buffer of exactly b64_decoded_max(len) bytes, so that ASan
 * sees any write past the promised bound. Returns what b64_decode returns;
 * *out (caller frees) holds the result. */
static int
decode(const char *in, size_t len, unsigned char **out, size_t *outlen,
       size_t *err_off)
{
	size_t max = b64_decoded_max(len);

	*out = malloc(max ? max : 1);
	ck_assert_ptr_nonnull(*out);
	*outlen = (size_t)-1;
	*err_off = (size_t)-1;
	return b64_decode(in, len, *out, outlen, err_off);
}

/* Expects `in` to be refused with the error at offset off. */
static void
expect_bad(const char *in, size_t len, size_t off)
{
	unsigned char *out;
	size_t outlen, err_off;
	int rc;

	rc = decode(in, len, &out, &outlen, &err_off);
	free(out);
	ck_assert_msg(rc == -1, "'%.*s' accepted", (int)len, in);
	ck_assert_msg(err_off == off, "'%.*s': err_off %zu, expected %zu",
		      (int)len, in, err_off, off);
}

static void
expect_good(const char *in, size_t len, const void *want, size_t wantlen)
{
	unsigned char *out;
	size_t outlen, err_off;
	int rc;

	rc = decode(in, len, &out, &outlen, &err_off);
	ck_assert_msg(rc == 0, "'%.*s' refused at %zu", (int)len, in, err_off);
	ck_assert_uint_eq(outlen, wantlen);
	ck_assert(memcmp(out, want, wantlen) == 0);
	free(out);
}

/* Encodes in[0..n) and checks it against an independent bit-by-bit
 * encoder, then decodes it back. */
static void
roundtrip(const unsigned char *in, size_t n)
{
	char enc[16], ref[16];
	unsigned char dec[16];
	size_t i, bit, outlen, err_off;
	unsigned v;

	ck_assert_uint_eq(b64_encoded_len(n), (n + 2) / 3 * 4);
	b64_encode(in, n, enc);
	for (i = 0; i < (n * 8 + 5) / 6; i++) {
		v = 0;
		for (bit = i * 6; bit < i * 6 + 6; bit++)
			v = v << 1 |
			    (bit < n * 8
				     ? (unsigned)(in[bit / 8] >> (7 - bit % 8) &
						  1)
				     : 0);
		ref[i] = alphabet[v];
	}
	for (; i % 4; i++)
		ref[i] = '=';
	ref[i] = '\0';
	ck_assert_str_eq(enc, ref);
	ck_assert_int_eq(b64_decode(enc, strlen(enc), dec, &outlen, &err_off),
			 0);
	ck_assert_uint_eq(outlen, n);
	ck_assert(n == 0 || memcmp(dec, in, n) == 0);
}

START_TEST(test_rfc4648_vectors)
{
	static const struct {
		const char *plain, *enc;
	} v[] = {
		{"", ""},
		{"f", "Zg=="},
		{"fo", "Zm8="},
		{"foo", "Zm9v"},
		{"foob", "Zm9vYg=="},
		{"fooba", "Zm9vYmE="},
		{"foobar", "Zm9vYmFy"},
	};
	char enc[16];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].plain);
		ck_assert_uint_eq(b64_encoded_len(n), strlen(v[i].enc));
		b64_encode((const unsigned char *)v[i].plain, n, enc);
		ck_assert_str_eq(enc, v[i].enc);
		expect_good(v[i].enc, strlen(v[i].enc), v[i].plain, n);
	}
}
END_TEST

START_TEST(test_roundtrip_0_to_2_bytes)
{
	unsigned char in[2] = {0, 0};
	unsigned a, b;

	roundtrip(in, 0);
	for (a = 0; a < 256; a++) {
		in[0] = (unsigned char)a;
		roundtrip(in, 1);
		for (b = 0; b < 256; b++) {
			in[1] = (unsigned char)b;
			roundtrip(in, 2);
		}
	}
}
END_TEST

/* Every 3-byte input: loop iteration _i takes 16 values of the first byte
 * (fewer forks than one per value: they are slow under ASan). */
START_TEST(test_roundtrip_3_bytes)
{
	unsigned char in[3];
	char enc[5];
	unsigned char dec[3];
	size_t outlen, err_off;
	unsigned a, b, c;

	for (a = (unsigned)_i * 16; a < (unsigned)_i * 16 + 16; a++) {
		in[0] = (unsigned char)a;
		for (b = 0; b < 256; b++) {
			in[1] = (unsigned char)b;
			for (c = 0; c < 256; c++) {
				in[2] = (unsigned char)c;
				/* The reference encoder is slow: check it on
				 * a sample, round-trip everything. */
				if ((b * 256 + c) % 97 == 0) {
					roundtrip(in, 3);
					continue;
				}
				b64_encode(in, 3, enc);
				if (b64_decode(enc, 4, dec, &outlen,
					       &err_off) != 0 ||
				    outlen != 3 || memcmp(dec, in, 3) != 0)
					ck_abort_msg("%02x%02x%02x -> %s",
						     in[0], in[1], in[2], enc);
			}
		}
	}
}
END_TEST

START_TEST(test_decoded_max)
{
	unsigned char in[64];
	char enc[128];
	size_t n;

	for (n = 0; n < sizeof(in); n++)
		in[n] = (unsigned char)(n * 37);
	for (n = 0; n <= sizeof(in); n++) {
		b64_encode(in, n, enc);
		ck_assert_uint_ge(b64_decoded_max(strlen(enc)), n);
		expect_good(enc, strlen(enc), in, n);
	}
	ck_assert_uint_eq(b64_decoded_max(0), 0);
	ck_assert_uint_ge(b64_decoded_max(4), 3);
}
END_TEST

/* Every byte that is neither in the alphabet, nor '=', nor skipped space,
 * at every position of a valid encoding. */
START_TEST(test_bad_characters)
{
	const char *good = "Zm9vYmFy";
	char in[16];
	size_t pos, len = strlen(good);
	unsigned ch;

	for (ch = 0; ch < 256; ch++) {
		if ((ch && strchr(alphabet, (int)ch)) || ch == '=' ||
		    ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n')
			continue;
		for (pos = 0; pos <= len; pos++) {
			memcpy(in, good, pos);
			in[pos] = (char)ch;
			memcpy(in + pos + 1, good + pos, len - pos);
			expect_bad(in, len + 1, pos);
		}
	}
	/* the offset counts skipped bytes too */
	expect_bad(" Zm\r\n9v\tY-Fy", 12, 9);
	expect_bad("Zm9v\n\n\n.", 8, 7);
	expect_bad("Zm9v\0YmFy", 9, 4);
}
END_TEST

START_TEST(test_bad_padding)
{
	static const struct {
		const char *in;
		size_t off;
	} v[] = {
		{"=", 0}, /* '=' first in a group */
		{"====", 0},
		{"Z===", 1}, /* '=' second in a group */
		{"Zm9v=", 4},
		{"Zm9vZ===", 5},
		{"Zg===", 4}, /* three '=' */
		{"Zm9v====", 4},
		{"Zg=g", 3}, /* data after '=' in the group */
		{"Zm=v", 3},
		{"Zg==Zg==", 4}, /* data after a padded group */
		{"Zm8=Zm9v", 4},
		{"Zg==\n=", 5},
		{"Zm8=\r\nZ", 6},
		{"Zg", 2}, /* missing padding */
		{"Zg=", 3},
		{"Zm8", 3},
		{"Zm9vYg", 6},
		{"Zm9vYmE", 7}, /* truncated group: offset inlen */
		{"Zm9vYmE\r\n", 9},
		{"Z", 1},
		{"Zm9vY", 5},
	};
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		expect_bad(v[i].in, strlen(v[i].in), v[i].off);
}
END_TEST

/* For every 1- and 2-byte input, every other value of the unused bits of
 * the last data character is refused at that character. */
START_TEST(test_nonzero_trailing_bits)
{
	unsigned char in[2];
	char enc[8];
	const char *p;
	unsigned a, b, bits;
	int v;

	for (a = 0; a < 256; a++) {
		in[0] = (unsigned char)a;
		b64_encode(in, 1, enc);
		p = strchr(alphabet, enc[1]);
		v = (int)(p - alphabet);
		for (bits = 1; bits < 16; bits++) {
			enc[1] = alphabet[(v & ~0xf) | (int)bits];
			expect_bad(enc, 4, 1);
		}
		for (b = 0; b < 256; b += 5) {
			in[1] = (unsigned char)b;
			b64_encode(in, 2, enc);
			p = strchr(alphabet, enc[2]);
			v = (int)(p - alphabet);
			for (bits = 1; bits < 4; bits++) {
				enc[2] = alphabet[(v & ~0x3) | (int)bits];
				expect_bad(enc, 4, 2);
			}
		}
	}
	expect_bad("Zh==", 4, 1);
	expect_bad("Zm9=", 4, 2);
	expect_bad("Zm9vZm9=", 8, 6);
	expect_bad("Zh=\n=", 5, 1);
}
END_TEST

START_TEST(test_whitespace)
{
	expect_good("", 0, "", 0);
	expect_good(" \t\r\n", 4, "", 0);
	expect_good(" Z m\t9\rv\n", 9, "foo", 3);
	expect_good("Zm9v\r\nYmFy\r\n", 12, "foobar", 6);
	expect_good("Zg=\n=\n", 6, "f", 1);
	expect_good("\n\nZm8=\n\n", 8, "fo", 2);
}
END_TEST

/* base64(1)-style output: 76 columns, LF or CRLF line ends. */
START_TEST(test_wrapped_76)
{
	unsigned char in[1000];
	char enc[1400], wrapped[1500];
	size_t i, n, len, line, eollen;
	const char *eol;
	int crlf;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 131 + 7);
	for (crlf = 0; crlf < 2; crlf++) {
		eol = crlf ? "\r\n" : "\n";
		eollen = strlen(eol);
		b64_encode(in, sizeof(in), enc);
		len = strlen(enc);
		ck_assert_uint_eq(len, 1336);
		n = 0;
		for (i = 0; i < len; i += line) {
			line = len - i < 76 ? len - i : 76;
			memcpy(wrapped + n, enc + i, line);
			n += line;
			memcpy(wrapped + n, eol, eollen);
			n += eollen;
		}
		ck_assert_uint_lt(n, sizeof(wrapped));
		ck_assert_uint_ge(b64_decoded_max(n), sizeof(in));
		expect_good(wrapped, n, in, sizeof(in));
	}
}
END_TEST

static Suite *
b64_suite(void)
{
	Suite *s = suite_create("b64");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_add_test(tc, test_rfc4648_vectors);
	tcase_add_test(tc, test_decoded_max);
	suite_add_tcase(s, tc);

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_roundtrip_0_to_2_bytes);
	tcase_add_loop_test(tc, test_roundtrip_3_bytes, 0, 16);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad input");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_bad_characters);
	tcase_add_test(tc, test_bad_padding);
	tcase_add_test(tc, test_nonzero_trailing_bits);
	suite_add_tcase(s, tc);

	tc = tcase_create("whitespace");
	tcase_add_test(tc, test_whitespace);
	tcase_add_test(tc, test_wrapped_76);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(b64_suite());
}
