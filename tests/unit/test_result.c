/* Building the /run_code answer from a run's outcome. */
#include "config.h"

#include <check.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/harness.h"
#include "llsr/result.h"
#include "tap_main.h"

#define NONCE "0123456789abcdef0123456789abcdef"

static struct run_outcome o;

static void
setup(void)
{
	runner_outcome_init(&o);
}

static void
teardown(void)
{
	json_object_put(o.report);
	buf_release(&o.diag);
}

static void
set_report(const char *json)
{
	char text[8192];

	snprintf(text, sizeof(text), "%s %s\n", NONCE, json);
	o.report = harness_report(text, strlen(text), NONCE);
	ck_assert_ptr_nonnull(o.report);
}

static const char *
str(json_object *r, const char *k)
{
	json_object *v;

	ck_assert_msg(json_object_object_get_ex(r, k, &v), "no %s", k);
	return json_object_get_string(v);
}

static int64_t
num(json_object *r, const char *path1, const char *path2)
{
	json_object *v;

	ck_assert(json_object_object_get_ex(r, path1, &v));
	if (path2)
		ck_assert(json_object_object_get_ex(v, path2, &v));
	return json_object_get_int64(v);
}

#define TEST(st)                                                               \
	"{\"index\":0,\"name\":\"t\",\"line\":1,\"status\":\"" st              \
	"\",\"duration_ms\":1,\"message\":null,\"traceback\":null}"

START_TEST(from_report)
{
	json_object *r, *v;

	set_report("{\"status\":\"failed\",\"tests\":[" TEST("passed") "," TEST("failed") "," TEST(
		"error") "," TEST("timeout") "," TEST("not_run") "," TEST("passed") "],\"stdout\":\"out\","
										    "\"stderr\":\"err\",\"stdout_truncated\":true,"
										    "\"stderr_truncated\":false}");
	o.exit_code = 0;
	o.duration_ms = 12.5;
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "failed");
	ck_assert_int_eq(num(r, "summary", "total"), 6);
	ck_assert_int_eq(num(r, "summary", "passed"), 2);
	ck_assert_int_eq(num(r, "summary", "failed"), 1);
	ck_assert_int_eq(num(r, "summary", "errors"), 2);
	ck_assert_int_eq(num(r, "summary", "not_run"), 1);
	ck_assert_str_eq(str(r, "stdout"), "out");
	ck_assert_str_eq(str(r, "stderr"), "err");
	ck_assert(json_object_object_get_ex(r, "stdout_truncated", &v) &&
		  json_object_get_boolean(v));
	ck_assert_int_eq(num(r, "exit_code", NULL), 0);
	ck_assert(json_object_object_get_ex(r, "oom_killed", &v) &&
		  !json_object_get_boolean(v));
	ck_assert(!json_object_object_get_ex(r, "error", &v));
	ck_assert(json_object_object_get_ex(r, "tests", &v));
	ck_assert_uint_eq(json_object_array_length(v), 6);
	json_object_put(r);
}
END_TEST

START_TEST(load_error_passed_through)
{
	json_object *r, *e;

	set_report(
		"{\"status\":\"error\",\"tests\":[],\"stdout\":\"\",\"stderr\":\"\","
		"\"stdout_truncated\":false,\"stderr_truncated\":false,"
		"\"error\":{\"type\":\"SyntaxError\",\"message\":\"invalid syntax\","
		"\"line\":3,\"traceback\":null}}");
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "error");
	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "type"), "SyntaxError");
	ck_assert_int_eq(num(e, "line", NULL), 3);
	ck_assert_int_eq(num(r, "summary", "total"), 0);
	json_object_put(r);
}
END_TEST

START_TEST(runner_verdicts_win)
{
	json_object *r, *v;

	o.timed_out = 1;
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "timeout");
	ck_assert(json_object_object_get_ex(r, "exit_code", &v) && !v);
	ck_assert(!json_object_object_get_ex(r, "error", &v));
	json_object_put(r);

	o.timed_out = 0;
	o.output_over = 1;
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "output_limit");
	json_object_put(r);

	o.output_over = 0;
	o.oom_killed = 1;
	o.exit_code = 137;
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "memory_limit");
	ck_assert(json_object_object_get_ex(r, "oom_killed", &v) &&
		  json_object_get_boolean(v));
	ck_assert_int_eq(num(r, "exit_code", NULL), 137);
	json_object_put(r);
}
END_TEST

START_TEST(no_report_is_error)
{
	json_object *r, *e;

	o.exit_code = 1;
	r = result_build(&o);
	ck_assert_str_eq(str(r, "status"), "error");
	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "type"), "HarnessError");
	ck_assert(strstr(str(e, "message"), "exit code 1"));
	ck_assert_str_eq(str(r, "stdout"), "");
	ck_assert_int_eq(num(r, "summary", "total"), 0);
	json_object_put(r);
}
END_TEST

START_TEST(error_body)
{
	json_object *r = result_error("invalid_json", "bad"), *e;

	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "code"), "invalid_json");
	ck_assert_str_eq(str(e, "message"), "bad");
	json_object_put(r);
}
END_TEST

static Suite *
result_suite(void)
{
	Suite *s = suite_create("result");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, from_report);
	tcase_add_test(tc, load_error_passed_through);
	tcase_add_test(tc, runner_verdicts_win);
	tcase_add_test(tc, no_report_is_error);
	tcase_add_test(tc, error_body);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(result_suite());
}
