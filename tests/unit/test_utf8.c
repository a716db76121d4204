/* UTF-8 checks, quoting and cuts: every answer the service writes is
 * well-formed UTF-8, whatever bytes the client sent. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "llsr/err.h"
#include "llsr/utf8.h"
#include "tap_main.h"

/* 1 when s holds no C0 control and no DEL. */
static int
printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7F)
			return 0;
	return 1;
}

#define SEQ(lit, want)                                                         \
	ck_assert_msg(utf8_seq_len(lit, sizeof(lit) - 1) == (want),             \
		      "%s: %zu, expected %d", #lit,                             \
		      utf8_seq_len(lit, sizeof(lit) - 1), (want))

START_TEST(seq_len_boundaries)
{
	SEQ("a", 1);
	SEQ("\x7F", 1);
	SEQ("\xC2\x80", 2);	      /* U+0080 */
	SEQ("\xDF\xBF", 2);	      /* U+07FF */
	SEQ("\xC0\x80", 0);	      /* overlong NUL */
	SEQ("\xC1\xBF", 0);	      /* overlong */
	SEQ("\xE0\xA0\x80", 3);	      /* U+0800 */
	SEQ("\xE0\x9F\xBF", 0);	      /* overlong */
	SEQ("\xED\x9F\xBF", 3);	      /* U+D7FF */
	SEQ("\xED\xA0\x80", 0);	      /* U+D800, a surrogate */
	SEQ("\xED\xBF\xBF", 0);	      /* U+DFFF */
	SEQ("\xEF\xBF\xBF", 3);	      /* U+FFFF */
	SEQ("\xF0\x90\x80\x80", 4);   /* U+10000 */
	SEQ("\xF0\x8F\xBF\xBF", 0);   /* overlong */
	SEQ("\xF4\x8F\xBF\xBF", 4);   /* U+10FFFF */
	SEQ("\xF4\x90\x80\x80", 0);   /* past U+10FFFF */
	SEQ("\xF5\x80\x80\x80", 0);
	SEQ("\xFF", 0);
	SEQ("\x80", 0);		      /* a stray continuation byte */
	SEQ("\xC3", 0);		      /* cut short */
	SEQ("\xE2\x82", 0);
	SEQ("\xF0\x9F\x98", 0);
	SEQ("\xE2\x28\xA1", 0);	      /* a bad continuation byte */
	SEQ("\xF0\x9F\x98\x80zz", 4); /* U+1F600, then more */
	ck_assert_uint_eq(utf8_seq_len("", 0), 0);
	ck_assert(utf8_valid("", 0));
	ck_assert(utf8_valid("h\xC3\xA9llo \xE2\x82\xAC", 11));
	ck_assert(!utf8_valid("h\xC3llo", 5));
}
END_TEST

START_TEST(quote_copies_and_escapes)
{
	char q[64];

	ck_assert_str_eq(utf8_quote(q, sizeof(q), "code", 4), "code");
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "", 0), "");
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "\xC3\xA9t\xC3\xA9", 5),
			 "\xC3\xA9t\xC3\xA9");
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "a\xFF\xFE", 3),
			 "a\\xFF\\xFE");
	/* A NUL inside (known length), controls and DEL are escaped too. */
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "py\0x\n\x7F", 6),
			 "py\\x00x\\x0A\\x7F");
	/* A cut or bad sequence: each of its bytes escaped, then go on. */
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "\xE2\x82z", 3),
			 "\\xE2\\x82z");
	ck_assert_str_eq(utf8_quote(q, sizeof(q), "\xED\xA0\x80", 3),
			 "\\xED\\xA0\\x80");
}
END_TEST

START_TEST(quote_cuts_at_characters)
{
	/* 40 euro signs (3 bytes each) into every size from 8 to 130: the
	 * output is well-formed, fits, and ends in "..." when cut. */
	char in[121], q[130];
	size_t size, i;

	for (i = 0; i < 40; i++)
		memcpy(in + 3 * i, "\xE2\x82\xAC", 3);
	in[120] = '\0';
	for (size = 8; size <= sizeof(q); size++) {
		memset(q, 'X', sizeof(q));
		utf8_quote(q, size, in, 120);
		ck_assert_msg(strlen(q) < size, "size %zu: overflow", size);
		ck_assert_msg(utf8_valid(q, strlen(q)), "size %zu: '%s'", size,
			      q);
		if (size > 120)
			ck_assert_str_eq(q, in);
		else
			ck_assert_msg(strlen(q) >= 3 &&
					      !strcmp(q + strlen(q) - 3, "..."),
				      "size %zu: '%s' has no ...", size, q);
	}
	/* Exactly fitting input is not marked as cut. */
	ck_assert_str_eq(utf8_quote(q, 8, "abcdefg", 7), "abcdefg");
	ck_assert_str_eq(utf8_quote(q, 8, "abcdefgh", 8), "abcd...");
	/* A size too small to say anything gives "". */
	ck_assert_str_eq(utf8_quote(q, 7, "abc", 3), "");
}
END_TEST

START_TEST(quote_every_two_bytes)
{
	/* Every 1- and 2-byte input quotes to well-formed, printable UTF-8
	 * that never exceeds 4 bytes per input byte. */
	char in[2], q[16];
	unsigned a, b;

	for (a = 0; a < 256; a++) {
		in[0] = (char)a;
		utf8_quote(q, sizeof(q), in, 1);
		ck_assert(utf8_valid(q, strlen(q)) && printable(q));
		for (b = 0; b < 256; b++) {
			in[1] = (char)b;
			utf8_quote(q, sizeof(q), in, 2);
			ck_assert_msg(utf8_valid(q, strlen(q)) && printable(q) &&
					      strlen(q) <= 8,
				      "%02x %02x", a, b);
		}
	}
}
END_TEST

START_TEST(trim_drops_a_cut_sequence)
{
	char s[32];

	strcpy(s, "abc\xC3");
	utf8_trim(s);
	ck_assert_str_eq(s, "abc");
	strcpy(s, "abc\xE2\x82");
	utf8_trim(s);
	ck_assert_str_eq(s, "abc");
	strcpy(s, "abc\xF0\x9F\x98");
	utf8_trim(s);
	ck_assert_str_eq(s, "abc");
	strcpy(s, "abc\xE2\x82\xAC");
	utf8_trim(s);
	ck_assert_str_eq(s, "abc\xE2\x82\xAC");
	strcpy(s, "abc");
	utf8_trim(s);
	ck_assert_str_eq(s, "abc");
	s[0] = '\0';
	utf8_trim(s);
	ck_assert_str_eq(s, "");
}
END_TEST

START_TEST(err_set_cuts_at_characters)
{
	/* A message longer than e.message, made of 2-, 3- and 4-byte
	 * characters at every alignment: cut where a character ends. */
	char big[1200];
	struct llsr_err e;
	size_t shift, w, i;
	static const char *const chars[] = {"\xC3\xA9", "\xE2\x82\xAC",
					    "\xF0\x9F\x98\x80"};

	for (w = 0; w < 3; w++) {
		for (shift = 0; shift < 4; shift++) {
			size_t n = strlen(chars[w]), o = 0;

			for (i = 0; i < shift; i++)
				big[o++] = 'a';
			while (o + n < sizeof(big)) {
				memcpy(big + o, chars[w], n);
				o += n;
			}
			big[o] = '\0';
			err_set(&e, 400, "x", "%s", big);
			ck_assert_msg(utf8_valid(e.message, strlen(e.message)),
				      "width %zu shift %zu", n, shift);
			ck_assert_uint_gt(strlen(e.message),
					  sizeof(e.message) - 5);
		}
	}
}
END_TEST

static Suite *
utf8_suite(void)
{
	Suite *s = suite_create("utf8");
	TCase *tc = tcase_create("utf8");

	tcase_add_test(tc, seq_len_boundaries);
	tcase_add_test(tc, quote_copies_and_escapes);
	tcase_add_test(tc, quote_cuts_at_characters);
	tcase_add_test(tc, quote_every_two_bytes);
	tcase_add_test(tc, trim_drops_a_cut_sequence);
	tcase_add_test(tc, err_set_cuts_at_characters);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(utf8_suite());
}
