#include "config.h"

#include <string.h>

#include "llsr/sha256.h"
#include "tap_main.h"

static void
check(const char *data, size_t len, size_t step, const char *want)
{
	struct sha256 c;
	char hex[2 * SHA256_LEN + 1];
	size_t i, n;

	sha256_init(&c);
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		sha256_update(&c, data + i, n);
	}
	sha256_final_hex(&c, hex);
	ck_assert_str_eq(hex, want);
}

/* FIPS 180-4 examples, and lengths about the padding boundary (55, 56 and
 * 64 bytes), fed whole and a byte at a time. */
START_TEST(vectors)
{
	static const char two_blocks[] =
		"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char a[1000];
	size_t step;

	memset(a, 'a', sizeof(a));
	for (step = 1; step <= 64; step += 63) {
		check("", 0, step,
		      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
		      "7852b855");
		check("abc", 3, step,
		      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
		      "f20015ad");
		check(two_blocks, strlen(two_blocks), step,
		      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd4"
		      "19db06c1");
		check(a, 55, step,
		      "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e91"
		      "0f734318");
		check(a, 56, step,
		      "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef797068"
		      "6ec6738a");
		check(a, 64, step,
		      "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df"
		      "154668eb");
		check(a, 1000, step,
		      "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1"
		      "b9737ea3");
	}
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("sha256");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, vectors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(suite());
}
