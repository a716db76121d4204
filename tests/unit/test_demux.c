#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/demux.h"
#include "tap_main.h"

#define SINK_MAX 65536

/* What the callback saw: every payload byte with its stream, so that the
 * way a frame was cut into pieces does not matter. */
struct sink {
	char data[SINK_MAX];
	unsigned char stream[SINK_MAX];
	size_t len;
	size_t calls;
	size_t fail_at; /* the call that returns fail_rc, 0 = none */
	int fail_rc;
	uint64_t total; /* bytes seen, for streams too big to keep */
};

static int
sink_fn(void *arg, int stream, const char *data, size_t len)
{
	struct sink *s = arg;
	size_t i;

	ck_assert_int_ge(stream, DEMUX_STDIN);
	ck_assert_int_le(stream, DEMUX_STDERR);
	ck_assert_uint_gt(len, 0);
	s->calls++;
	s->total += len;
	for (i = 0; i < len && s->len < SINK_MAX; i++) {
		s->data[s->len] = data[i];
		s->stream[s->len++] = (unsigned char)stream;
	}
	if (s->fail_at && s->calls == s->fail_at)
		return s->fail_rc;
	return 0;
}

static void
sink_init(struct sink *s)
{
	memset(s, 0, sizeof(*s));
}

/* Appends one frame to out at *n. */
static void
frame(char *out, size_t *n, int type, const char *payload, uint32_t len)
{
	unsigned char *h = (unsigned char *)out + *n;

	h[0] = (unsigned char)type;
	h[1] = h[2] = h[3] = 0;
	h[4] = (unsigned char)(len >> 24);
	h[5] = (unsigned char)(len >> 16);
	h[6] = (unsigned char)(len >> 8);
	h[7] = (unsigned char)len;
	*n += 8;
	memcpy(out + *n, payload, len);
	*n += len;
}

/* A stream of several frames, some empty, with its expected transcript.
 * boundary[i] is 1 when a frame ends after i bytes. */
struct sample {
	char bytes[4096];
	size_t len;
	char want[4096];
	unsigned char want_stream[4096];
	size_t want_len;
	unsigned char boundary[4097];
};

static void
sample_add(struct sample *s, int type, const char *payload, uint32_t len)
{
	frame(s->bytes, &s->len, type, payload, len);
	memcpy(s->want + s->want_len, payload, len);
	memset(s->want_stream + s->want_len, type, len);
	s->want_len += len;
	s->boundary[s->len] = 1;
}

static void
sample_init(struct sample *s)
{
	char big[1000];
	size_t i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7);
	s->boundary[0] = 1;
	sample_add(s, DEMUX_STDOUT, "hello\n", 6);
	sample_add(s, DEMUX_STDERR, "oops", 4);
	sample_add(s, DEMUX_STDOUT, "", 0);
	sample_add(s, DEMUX_STDERR, "", 0);
	sample_add(s, DEMUX_STDOUT, "x", 1);
	sample_add(s, DEMUX_STDIN, "in", 2);
	sample_add(s, DEMUX_STDERR, big, sizeof(big));
	sample_add(s, DEMUX_STDOUT, "\0\1\2", 3);
}

static void
sink_expect(const struct sink *k, const struct sample *s)
{
	ck_assert_uint_eq(k->len, s->want_len);
	ck_assert(memcmp(k->data, s->want, s->want_len) == 0);
	ck_assert(memcmp(k->stream, s->want_stream, s->want_len) == 0);
}

START_TEST(test_single_frame)
{
	struct demux d;
	struct sink k;
	char buf[64];
	size_t n = 0;

	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_idle(&d), 1);
	frame(buf, &n, DEMUX_STDOUT, "hello", 5);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), 0);
	ck_assert_uint_eq(k.calls, 1);
	ck_assert_uint_eq(k.len, 5);
	ck_assert(memcmp(k.data, "hello", 5) == 0);
	ck_assert_int_eq(k.stream[0], DEMUX_STDOUT);
	ck_assert_int_eq(demux_idle(&d), 1);
}
END_TEST

START_TEST(test_several_frames_one_buffer)
{
	struct sample s;
	struct demux d;
	struct sink k;

	sample_init(&s);
	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, s.bytes, s.len, sink_fn, &k), 0);
	sink_expect(&k, &s);
	/* one call per non-empty frame when nothing is split */
	ck_assert_uint_eq(k.calls, 6);
	ck_assert_int_eq(demux_idle(&d), 1);
}
END_TEST

START_TEST(test_interleaving)
{
	struct demux d;
	struct sink k;
	char buf[256];
	size_t n = 0;

	frame(buf, &n, DEMUX_STDOUT, "a", 1);
	frame(buf, &n, DEMUX_STDERR, "B", 1);
	frame(buf, &n, DEMUX_STDOUT, "cc", 2);
	frame(buf, &n, DEMUX_STDERR, "DD", 2);
	frame(buf, &n, DEMUX_STDOUT, "e", 1);
	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), 0);
	ck_assert_uint_eq(k.len, 7);
	ck_assert(memcmp(k.data, "aBccDDe", 7) == 0);
	ck_assert(memcmp(k.stream, "\1\2\1\1\2\2\1", 7) == 0);
}
END_TEST

START_TEST(test_one_byte_at_a_time)
{
	struct sample s;
	struct demux d;
	struct sink k;
	size_t i;

	sample_init(&s);
	sink_init(&k);
	demux_init(&d);
	for (i = 0; i < s.len; i++) {
		ck_assert_int_eq(demux_feed(&d, s.bytes + i, 1, sink_fn, &k),
				 0);
		ck_assert_msg(demux_idle(&d) == s.boundary[i + 1],
			      "idle %d after %zu bytes", demux_idle(&d), i + 1);
	}
	sink_expect(&k, &s);
}
END_TEST

START_TEST(test_all_two_way_splits)
{
	struct sample s;
	struct demux d;
	struct sink k;
	size_t i;

	sample_init(&s);
	for (i = 0; i <= s.len; i++) {
		sink_init(&k);
		demux_init(&d);
		ck_assert_int_eq(demux_feed(&d, s.bytes, i, sink_fn, &k), 0);
		ck_assert_int_eq(demux_idle(&d), s.boundary[i]);
		ck_assert_int_eq(
			demux_feed(&d, s.bytes + i, s.len - i, sink_fn, &k), 0);
		ck_assert_int_eq(demux_idle(&d), 1);
		sink_expect(&k, &s);
	}
}
END_TEST

/* All three-way splits of the frames before the big one. */
START_TEST(test_all_three_way_splits)
{
	struct sample s;
	struct demux d;
	struct sink k;
	size_t i, j, len;

	sample_init(&s);
	len = 8 * 6 + 6 + 4 + 1 + 2;
	ck_assert(s.boundary[len]);
	for (i = 0; i <= len; i++) {
		for (j = i; j <= len; j++) {
			sink_init(&k);
			demux_init(&d);
			ck_assert_int_eq(
				demux_feed(&d, s.bytes, i, sink_fn, &k), 0);
			ck_assert_int_eq(
				demux_feed(&d, s.bytes + i, j - i, sink_fn, &k),
				0);
			ck_assert_int_eq(demux_feed(&d, s.bytes + j, len - j,
						    sink_fn, &k),
					 0);
			ck_assert_int_eq(demux_idle(&d), 1);
			ck_assert_uint_eq(k.len, 13);
			ck_assert(memcmp(k.data, s.want, 13) == 0);
			ck_assert(memcmp(k.stream, s.want_stream, 13) == 0);
		}
	}
}
END_TEST

START_TEST(test_zero_length_frames)
{
	struct demux d;
	struct sink k;
	char buf[64];
	size_t n = 0, i;

	frame(buf, &n, DEMUX_STDOUT, "", 0);
	frame(buf, &n, DEMUX_STDERR, "", 0);
	frame(buf, &n, DEMUX_STDIN, "", 0);
	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), 0);
	ck_assert_uint_eq(k.calls, 0);
	ck_assert_int_eq(demux_idle(&d), 1);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(demux_feed(&d, buf + i, 1, sink_fn, &k), 0);
		ck_assert_int_eq(demux_idle(&d), (i + 1) % 8 == 0);
	}
	ck_assert_uint_eq(k.calls, 0);
	/* an empty feed changes nothing */
	ck_assert_int_eq(demux_feed(&d, NULL, 0, sink_fn, &k), 0);
	ck_assert_int_eq(demux_idle(&d), 1);
}
END_TEST

/* Feeds hdr after a valid frame, then checks the demuxer stays broken. */
static void
expect_garbage(const unsigned char hdr[8], int bytewise)
{
	struct demux d;
	struct sink k;
	char buf[64];
	size_t n = 0, i;
	int rc = 0;

	frame(buf, &n, DEMUX_STDOUT, "ok", 2);
	memcpy(buf + n, hdr, 8);
	n += 8;
	frame(buf, &n, DEMUX_STDOUT, "after", 5);
	sink_init(&k);
	demux_init(&d);
	if (bytewise) {
		for (i = 0; i < n && rc == 0; i++)
			rc = demux_feed(&d, buf + i, 1, sink_fn, &k);
		ck_assert_uint_le(i, 18);
	} else {
		rc = demux_feed(&d, buf, n, sink_fn, &k);
	}
	ck_assert_int_eq(rc, DEMUX_EGARBAGE);
	/* the frame before the garbage was delivered, nothing after */
	ck_assert_uint_eq(k.len, 2);
	ck_assert(memcmp(k.data, "ok", 2) == 0);
	ck_assert_int_eq(demux_idle(&d), 0);
	n = 0;
	frame(buf, &n, DEMUX_STDOUT, "more", 4);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), DEMUX_EGARBAGE);
	ck_assert_int_eq(demux_feed(&d, buf, 1, sink_fn, &k), DEMUX_EGARBAGE);
	ck_assert_int_eq(demux_feed(&d, NULL, 0, sink_fn, &k), DEMUX_EGARBAGE);
	ck_assert_uint_eq(k.len, 2);
	ck_assert_int_eq(demux_idle(&d), 0);
}

START_TEST(test_garbage_type)
{
	unsigned char hdr[8] = {0, 0, 0, 0, 0, 0, 0, 1};
	unsigned t;

	for (t = 3; t < 256; t++) {
		hdr[0] = (unsigned char)t;
		expect_garbage(hdr, 0);
		expect_garbage(hdr, 1);
	}
}
END_TEST

START_TEST(test_garbage_padding)
{
	unsigned char hdr[8];
	unsigned pos, v;

	for (pos = 1; pos < 4; pos++) {
		for (v = 1; v < 256; v++) {
			memset(hdr, 0, sizeof(hdr));
			hdr[0] = DEMUX_STDERR;
			hdr[pos] = (unsigned char)v;
			hdr[7] = 1;
			expect_garbage(hdr, 0);
			expect_garbage(hdr, 1);
		}
	}
}
END_TEST

START_TEST(test_callback_error)
{
	struct demux d;
	struct sink k;
	char buf[64];
	size_t n = 0;

	frame(buf, &n, DEMUX_STDOUT, "one", 3);
	frame(buf, &n, DEMUX_STDERR, "two", 3);
	frame(buf, &n, DEMUX_STDOUT, "three", 5);
	sink_init(&k);
	k.fail_at = 2;
	k.fail_rc = -42;
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), -42);
	ck_assert_uint_eq(k.calls, 2);
	ck_assert_uint_eq(k.len, 6);
	ck_assert(memcmp(k.data, "onetwo", 6) == 0);

	/* a positive return is not an error */
	sink_init(&k);
	k.fail_at = 1;
	k.fail_rc = 1;
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, buf, n, sink_fn, &k), 0);
	ck_assert_uint_eq(k.calls, 3);
}
END_TEST

/* A declared length of 4 GiB - 1 is streamed in the pieces that arrive. */
START_TEST(test_huge_length)
{
	static char chunk[65536];
	static const unsigned char hdr[8] = {1,	   0,	 0,    0,
					     0xff, 0xff, 0xff, 0xff};
	struct demux d;
	struct sink k;
	size_t i;

	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_feed(&d, (const char *)hdr, 8, sink_fn, &k), 0);
	ck_assert_uint_eq(k.calls, 0);
	ck_assert_int_eq(demux_idle(&d), 0);
	memset(chunk, 'z', sizeof(chunk));
	for (i = 0; i < 64; i++) {
		ck_assert_int_eq(
			demux_feed(&d, chunk, sizeof(chunk), sink_fn, &k), 0);
		ck_assert_uint_eq(k.calls, i + 1);
		ck_assert_uint_eq(k.total, (i + 1) * sizeof(chunk));
	}
	ck_assert_uint_eq(d.remaining, 0xffffffffu - 64 * sizeof(chunk));
	ck_assert_int_eq(demux_idle(&d), 0);
}
END_TEST

START_TEST(test_idle)
{
	struct demux d;
	struct sink k;
	char buf[64];
	size_t n = 0;

	frame(buf, &n, DEMUX_STDOUT, "abc", 3);
	sink_init(&k);
	demux_init(&d);
	ck_assert_int_eq(demux_idle(&d), 1);
	ck_assert_int_eq(demux_feed(&d, buf, 3, sink_fn, &k), 0);
	ck_assert_int_eq(demux_idle(&d), 0); /* partial header */
	ck_assert_int_eq(demux_feed(&d, buf + 3, 5, sink_fn, &k), 0);
	ck_assert_int_eq(demux_idle(&d), 0); /* payload pending */
	ck_assert_int_eq(demux_feed(&d, buf + 8, 2, sink_fn, &k), 0);
	ck_assert_int_eq(demux_idle(&d), 0); /* part of it */
	ck_assert_int_eq(demux_feed(&d, buf + 10, 1, sink_fn, &k), 0);
	ck_assert_int_eq(demux_idle(&d), 1);
	ck_assert_uint_eq(k.calls, 2);
}
END_TEST

static Suite *
demux_suite(void)
{
	Suite *s = suite_create("demux");
	TCase *tc;

	tc = tcase_create("frames");
	tcase_add_test(tc, test_single_frame);
	tcase_add_test(tc, test_several_frames_one_buffer);
	tcase_add_test(tc, test_interleaving);
	tcase_add_test(tc, test_zero_length_frames);
	tcase_add_test(tc, test_idle);
	suite_add_tcase(s, tc);

	tc = tcase_create("splits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_one_byte_at_a_time);
	tcase_add_test(tc, test_all_two_way_splits);
	tcase_add_test(tc, test_all_three_way_splits);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_garbage_type);
	tcase_add_test(tc, test_garbage_padding);
	tcase_add_test(tc, test_callback_error);
	tcase_add_test(tc, test_huge_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(demux_suite());
}
