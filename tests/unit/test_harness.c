/* The harness protocol: the job frame, and the validation of reports. */
#include "config.h"

#include <check.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/harness.h"
#include "llsr/request.h"
#include "tap_main.h"

#define NONCE "0123456789abcdef0123456789abcdef"

static const char good[] =
	"{\"status\":\"failed\",\"tests\":[{\"index\":0,\"name\":\"assert f(1) == 2\","
	"\"line\":1,\"status\":\"failed\",\"duration_ms\":0.5,\"message\":\"assert 1 == 2\","
	"\"traceback\":null,\"stdout\":\"\",\"stderr\":\"\"}],\"error\":null,"
	"\"stdout\":\"hi\\n\",\"stdout_truncated\":false,\"stderr\":\"\","
	"\"stderr_truncated\":false}";

static json_object *
report_of(const char *text)
{
	return harness_report(text, strlen(text), NONCE);
}

static json_object *
line(const char *json)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%s %s\n", NONCE, json);
	return report_of(text);
}

START_TEST(nonce_is_hex)
{
	char a[HARNESS_NONCE_LEN + 1], b[HARNESS_NONCE_LEN + 1];
	size_t i;

	ck_assert_int_eq(harness_nonce(a), 0);
	ck_assert_int_eq(harness_nonce(b), 0);
	ck_assert_uint_eq(strlen(a), HARNESS_NONCE_LEN);
	for (i = 0; i < HARNESS_NONCE_LEN; i++)
		ck_assert(strchr("0123456789abcdef", a[i]));
	ck_assert_str_ne(a, b);
}
END_TEST

START_TEST(frame)
{
	struct config cfg;
	struct request r;
	struct llsr_err e;
	struct buf out;
	json_object *job, *v;
	const char *body =
		"{\"code\":\"cHJpbnQoMSk=\",\"tests\":\"YXNzZXJ0IDE=\","
		"\"entry_point\":\"f\",\"timeout_ms\":1234}";
	char *nl;
	long len;

	config_defaults(&cfg);
	ck_assert_int_eq(request_parse(&r, body, strlen(body), &cfg, &e), 0);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(harness_frame(&r, &cfg, NONCE, &out), 0);
	ck_assert(strncmp(out.data, "LLSR1 ", 6) == 0);
	nl = strchr(out.data, '\n');
	ck_assert_ptr_nonnull(nl);
	len = strtol(out.data + 6, NULL, 10);
	ck_assert_int_eq(len, (long)(out.len - (size_t)(nl + 1 - out.data)));
	job = json_tokener_parse(nl + 1);
	ck_assert_ptr_nonnull(job);
	ck_assert(json_object_object_get_ex(job, "nonce", &v));
	ck_assert_str_eq(json_object_get_string(v), NONCE);
	ck_assert(json_object_object_get_ex(job, "code", &v));
	ck_assert_str_eq(json_object_get_string(v), "cHJpbnQoMSk=");
	ck_assert(json_object_object_get_ex(job, "tests", &v));
	ck_assert_str_eq(json_object_get_string(v), "YXNzZXJ0IDE=");
	ck_assert(json_object_object_get_ex(job, "stdin", &v));
	ck_assert_str_eq(json_object_get_string(v), "");
	ck_assert(json_object_object_get_ex(job, "entry_point", &v));
	ck_assert_str_eq(json_object_get_string(v), "f");
	ck_assert(json_object_object_get_ex(job, "timeout_ms", &v));
	ck_assert_int_eq(json_object_get_int(v), 1234);
	ck_assert(json_object_object_get_ex(job, "test_timeout_ms", &v));
	ck_assert_int_eq(json_object_get_int(v), 1234);
	ck_assert(json_object_object_get_ex(job, "output_limit", &v));
	ck_assert_int_eq(json_object_get_int(v), cfg.output_limit_bytes);
	json_object_put(job);
	buf_release(&out);
	request_release(&r);
}
END_TEST

START_TEST(valid_report)
{
	json_object *r = line(good), *v, *t;

	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "failed");
	ck_assert(json_object_object_get_ex(r, "tests", &v));
	ck_assert_uint_eq(json_object_array_length(v), 1);
	t = json_object_array_get_idx(v, 0);
	ck_assert(json_object_object_get_ex(t, "message", &v));
	ck_assert_str_eq(json_object_get_string(v), "assert 1 == 2");
	json_object_put(r);
}
END_TEST

START_TEST(forged_lines_ignored)
{
	char text[16384];
	json_object *r, *v;

	/* A line without the nonce, or with a wrong one, is not a report; the
	 * last valid line wins. */
	snprintf(
		text, sizeof(text),
		"{\"status\":\"passed\"}\n"
		"ffffffffffffffffffffffffffffffff {\"status\":\"passed\",\"tests\":[],"
		"\"stdout\":\"\",\"stderr\":\"\",\"stdout_truncated\":false,"
		"\"stderr_truncated\":false}\n"
		"%s %s\n",
		NONCE, good);
	r = report_of(text);
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "failed");
	json_object_put(r);

	snprintf(text, sizeof(text), "X%s %s\n", NONCE, good);
	ck_assert_ptr_null(report_of(text));
}
END_TEST

START_TEST(incomplete_line)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s %s", NONCE, good); /* no newline */
	ck_assert_ptr_null(report_of(text));
	ck_assert_ptr_null(report_of(""));
	ck_assert_ptr_null(harness_report(NULL, 0, NONCE));
}
END_TEST

START_TEST(invalid_reports)
{
	/* Each must be rejected whole. */
	static const char *const bad[] = {
		"not json",
		"[]",
		"{}",
		"{\"status\":\"passed\"}",
		"{\"status\":\"great\",\"tests\":[],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":{},\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":[1],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":[{\"index\":\"0\",\"name\":\"a\","
		"\"status\":\"passed\",\"duration_ms\":1}],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":[{\"index\":0,\"name\":\"a\","
		"\"status\":\"fine\",\"duration_ms\":1}],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":[],\"stdout\":5,\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false}",
		"{\"status\":\"error\",\"tests\":[],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false,\"error\":{\"type\":1}}",
		"{\"status\":\"passed\",\"tests\":[],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false} trailing",
		NULL};
	size_t i;

	for (i = 0; bad[i]; i++)
		ck_assert_msg(!line(bad[i]), "accepted: %s", bad[i]);
}
END_TEST

START_TEST(unknown_fields_dropped)
{
	json_object *r =
		line("{\"status\":\"passed\",\"tests\":[],\"stdout\":\"\","
		     "\"stderr\":\"\",\"stdout_truncated\":false,"
		     "\"stderr_truncated\":false,\"extra\":{\"x\":1}}");
	json_object *v;

	ck_assert_ptr_nonnull(r);
	ck_assert(!json_object_object_get_ex(r, "extra", &v));
	json_object_put(r);
}
END_TEST

START_TEST(batch_report)
{
	char text[16384];
	json_object *r, *v;

	snprintf(text, sizeof(text), "%s {\"results\":[%s,%s]}\n", NONCE, good,
		 good);
	r = harness_report_batch(text, strlen(text), NONCE, 2);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_object_array_length(r), 2);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(r, 1),
					    "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "failed");
	json_object_put(r);
	/* The wrong count, or one bad element, refuses the whole report. */
	ck_assert_ptr_null(harness_report_batch(text, strlen(text), NONCE, 3));
	snprintf(text, sizeof(text), "%s {\"results\":[%s,{}]}\n", NONCE, good);
	ck_assert_ptr_null(harness_report_batch(text, strlen(text), NONCE, 2));
	/* A refused frame answers for every element. */
	snprintf(text, sizeof(text), "%s %s\n", NONCE, good);
	r = harness_report_batch(text, strlen(text), NONCE, 3);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_object_array_length(r), 3);
	json_object_put(r);
}
END_TEST

static Suite *
harness_suite(void)
{
	Suite *s = suite_create("harness");
	TCase *tc = tcase_create("protocol");

	tcase_add_test(tc, nonce_is_hex);
	tcase_add_test(tc, frame);
	tcase_add_test(tc, valid_report);
	tcase_add_test(tc, forged_lines_ignored);
	tcase_add_test(tc, incomplete_line);
	tcase_add_test(tc, invalid_reports);
	tcase_add_test(tc, unknown_fields_dropped);
	tcase_add_test(tc, batch_report);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(harness_suite());
}
