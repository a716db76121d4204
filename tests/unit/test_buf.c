#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/buf.h"
#include "tap_main.h"

START_TEST(test_cap_exact)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_ptr_null(b.data);
	ck_assert_int_eq(buf_append(&b, "0123456", 7), 0);
	ck_assert_int_eq(buf_append(&b, "789", 3), 0);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(b.data, "0123456789");
	ck_assert_uint_le(b.cap, b.max + 1);

	errno = 0;
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_uint_eq(b.len, 10);
	ck_assert_str_eq(b.data, "0123456789");
	ck_assert_int_eq(buf_append(&b, "", 0), 0); /* nothing fits */
	ck_assert_str_eq(b.data, "0123456789");
	buf_release(&b);

	/* max + 1 in one go, on an empty buffer: nothing is allocated */
	buf_init(&b, 10);
	errno = 0;
	ck_assert_int_eq(buf_append(&b, "0123456789X", 11), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	/* a length that would wrap len + n */
	ck_assert_int_eq(buf_append(&b, "ab", 2), 0);
	errno = 0;
	ck_assert_int_eq(buf_append(&b, "x", (size_t)-1), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_str_eq(b.data, "ab");
	buf_release(&b);

	buf_init(&b, 0);
	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	buf_release(&b);
}
END_TEST

/* Byte by byte up to the cap; one assertion per property at the end, not
 * one per byte (300 000 Check assertions took seconds under the
 * sanitizers, close to Check's 4 s timeout on a loaded machine). */
START_TEST(test_grow)
{
	struct buf b;
	size_t i, failed_append = 0, unterminated = 0, wrong = 0;

	buf_init(&b, 100000);
	for (i = 0; i < 100000; i++) {
		if (buf_append(&b, &"abcdefg"[i % 7], 1) != 0)
			failed_append++;
		else if (b.data[b.len] != '\0')
			unterminated++;
	}
	ck_assert_uint_eq(failed_append, 0);
	ck_assert_uint_eq(unterminated, 0);
	ck_assert_uint_eq(b.len, 100000);
	ck_assert_uint_le(b.cap, 100001);
	for (i = 0; i < 100000; i++)
		wrong += b.data[i] != "abcdefg"[i % 7];
	ck_assert_uint_eq(wrong, 0);
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	buf_release(&b);
}
END_TEST

START_TEST(test_append_some)
{
	struct buf b;

	buf_init(&b, 10);
	ck_assert_uint_eq(buf_append_some(&b, "abcdefg", 7), 7);
	ck_assert_uint_eq(buf_append_some(&b, "hijklmn", 7), 3);
	ck_assert_str_eq(b.data, "abcdefghij");
	ck_assert_uint_eq(buf_append_some(&b, "x", 1), 0);
	ck_assert_uint_eq(buf_append_some(&b, "", 0), 0);
	ck_assert_str_eq(b.data, "abcdefghij");
	buf_reset(&b);
	ck_assert_uint_eq(buf_append_some(&b, "0123456789ab", 12), 10);
	ck_assert_str_eq(b.data, "0123456789");
	buf_release(&b);
}
END_TEST

START_TEST(test_printf)
{
	struct buf b;

	buf_init(&b, 16);
	ck_assert_int_eq(buf_printf(&b, "%d-%s", 42, "ab"), 0);
	ck_assert_str_eq(b.data, "42-ab");
	ck_assert_int_eq(buf_printf(&b, "%s", ""), 0);
	ck_assert_uint_eq(b.len, 5);
	ck_assert_int_eq(buf_printf(&b, "%05d", 7), 0);
	ck_assert_str_eq(b.data, "42-ab00007");
	/* 6 more fit exactly, 7 do not and change nothing */
	errno = 0;
	ck_assert_int_eq(buf_printf(&b, "%s", "1234567"), -1);
	ck_assert_int_eq(errno, E2BIG);
	ck_assert_str_eq(b.data, "42-ab00007");
	ck_assert_int_eq(buf_printf(&b, "%s", "123456"), 0);
	ck_assert_str_eq(b.data, "42-ab00007123456");
	ck_assert_uint_eq(b.len, 16);
	buf_release(&b);
}
END_TEST

START_TEST(test_reset)
{
	struct buf b;
	char *mem;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_append(&b, "hello", 5), 0);
	mem = b.data;
	buf_reset(&b);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_str_eq(b.data, "");
	ck_assert_ptr_eq(b.data, mem);
	ck_assert_int_eq(buf_append(&b, "hi", 2), 0);
	ck_assert_str_eq(b.data, "hi");
	buf_release(&b);
	buf_init(&b, 100);
	buf_reset(&b); /* never allocated */
	ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_detach_release)
{
	struct buf b;
	size_t len = 99;
	char *p;

	/* empty: "" that the caller frees */
	buf_init(&b, 10);
	p = buf_detach(&b, &len);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, "");
	ck_assert_uint_eq(len, 0);
	free(p);

	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	p = buf_detach(&b, &len);
	ck_assert_str_eq(p, "abc");
	ck_assert_uint_eq(len, 3);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.cap, 0);
	free(p);

	/* reusable, same max; len can be NULL */
	ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0);
	ck_assert_int_eq(buf_append(&b, "x", 1), -1);
	p = buf_detach(&b, NULL);
	ck_assert_str_eq(p, "0123456789");
	free(p);

	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	buf_release(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_int_eq(buf_append(&b, "de", 2), 0);
	ck_assert_str_eq(b.data, "de");
	buf_release(&b);
	buf_release(&b);
	buf_release(NULL);
}
END_TEST

static Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc;

	tc = tcase_create("buf");
	tcase_add_test(tc, test_cap_exact);
	tcase_add_test(tc, test_grow);
	tcase_add_test(tc, test_append_some);
	tcase_add_test(tc, test_printf);
	tcase_add_test(tc, test_reset);
	tcase_add_test(tc, test_detach_release);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(buf_suite());
}
