/* Building the /run_code answer from a run's outcome. */
#include "config.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/harness.h"
#include "llsr/result.h"
#include "llsr/utf8.h"
#include "tap_main.h"

#define NONCE "0123456789abcdef0123456789abcdef"

static struct run_outcome o;
static struct request req; /* the defaults: isolation "process" */

static void
setup(void)
{
	outcome_init(&o);
	memset(&req, 0, sizeof(req));
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
	o.report = harness_report(text, strlen(text), NONCE, o.report_error,
				  sizeof(o.report_error));
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
	r = result_build(&o, &req);
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
	r = result_build(&o, &req);
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
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "timeout");
	ck_assert(json_object_object_get_ex(r, "exit_code", &v) && !v);
	ck_assert(!json_object_object_get_ex(r, "error", &v));
	json_object_put(r);

	o.timed_out = 0;
	o.output_over = 1;
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "output_limit");
	json_object_put(r);

	o.output_over = 0;
	o.oom_killed = 1;
	o.exit_code = 137;
	r = result_build(&o, &req);
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
	r = result_build(&o, &req);
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

START_TEST(error_body_always_utf8)
{
	/* A message that is not UTF-8 (an engine's answer, say) is quoted:
	 * the printed answer is well-formed UTF-8 whatever it held. */
	json_object *r = result_error("engine_error", "engine said \xFF\xC3"),
		    *e;
	const char *text;

	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "message"), "engine said \\xFF\\xC3");
	text = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	ck_assert(utf8_valid(text, strlen(text)));
	json_object_put(r);
	/* Well-formed text is left as it is. */
	r = result_error("x", "caf\xC3\xA9");
	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "message"), "caf\xC3\xA9");
	json_object_put(r);
}
END_TEST

#define HEAD                                                                   \
	"\"stdout\":\"\",\"stderr\":\"\",\"stdout_truncated\":false,"          \
	"\"stderr_truncated\":false"

/* 1 when r prints as JSON by RFC 8259 alone (json-c's strict mode). */
static int
strict_json(json_object *r)
{
	const char *text =
		json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	json_tokener *tok = json_tokener_new();
	json_object *back;
	int ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	back = json_tokener_parse_ex(tok, text, (int)strlen(text));
	ok = back && json_tokener_get_error(tok) == json_tokener_success;
	json_object_put(back);
	json_tokener_free(tok);
	return ok;
}

START_TEST(isolation_echoed)
{
	json_object *r;

	set_report("{\"status\":\"passed\",\"tests\":[]," HEAD "}");
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "isolation"), "process");
	json_object_put(r);
	req.isolation = REQUEST_ISOLATION_IN_PROCESS;
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "isolation"), "in_process");
	json_object_put(r);
	/* The harness's word wins: it may have judged in another mode. */
	json_object_put(o.report);
	set_report("{\"status\":\"passed\",\"tests\":[]," HEAD
		   ",\"isolation\":\"process\"}");
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "isolation"), "process");
	json_object_put(r);
	/* Also when the runner decided the verdict. */
	json_object_put(o.report);
	o.report = NULL;
	o.timed_out = 1;
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "timeout");
	ck_assert_str_eq(str(r, "isolation"), "in_process");
	json_object_put(r);
}
END_TEST

START_TEST(no_tests_passed_through)
{
	json_object *r, *v;

	set_report("{\"status\":\"no_tests\",\"tests\":[]," HEAD "}");
	o.exit_code = 0;
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "no_tests");
	ck_assert_int_eq(num(r, "summary", "total"), 0);
	ck_assert_int_eq(num(r, "summary", "passed"), 0);
	ck_assert_int_eq(num(r, "summary", "failed"), 0);
	ck_assert_int_eq(num(r, "summary", "errors"), 0);
	ck_assert_int_eq(num(r, "summary", "not_run"), 0);
	ck_assert(!json_object_object_get_ex(r, "error", &v));
	json_object_put(r);
}
END_TEST

START_TEST(exit_code_from_report)
{
	json_object *r, *v;

	/* sys.exit(3) in a program: its own exit code. */
	set_report("{\"status\":\"error\",\"tests\":[]," HEAD
		   ",\"exit_code\":3,\"error\":{\"type\":\"SystemExit\","
		   "\"message\":\"3\",\"line\":1,\"traceback\":null}}");
	o.exit_code = 0; /* what the runner sets when the harness reported */
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "error");
	ck_assert_int_eq(num(r, "exit_code", NULL), 3);
	json_object_put(r);
	json_object_put(o.report);
	/* Killed: null. */
	set_report("{\"status\":\"timeout\",\"tests\":[]," HEAD
		   ",\"exit_code\":null}");
	r = result_build(&o, &req);
	ck_assert(json_object_object_get_ex(r, "exit_code", &v));
	ck_assert_ptr_null(v);
	json_object_put(r);
	json_object_put(o.report);
	/* Without the key: the container's, as before. */
	set_report("{\"status\":\"passed\",\"tests\":[]," HEAD "}");
	r = result_build(&o, &req);
	ck_assert_int_eq(num(r, "exit_code", NULL), 0);
	json_object_put(r);
}
END_TEST

START_TEST(invalid_report_is_harness_error)
{
	char text[1024];
	json_object *r, *e, *v;

	snprintf(text, sizeof(text),
		 "%s {\"status\":\"passed\",\"tests\":[{\"index\":0,\"name\":"
		 "\"a\",\"status\":\"passed\",\"duration_ms\":NaN}]," HEAD
		 "}\n",
		 NONCE);
	o.report = harness_report(text, strlen(text), NONCE, o.report_error,
				  sizeof(o.report_error));
	ck_assert_ptr_null(o.report);
	r = result_build(&o, &req);
	ck_assert_str_eq(str(r, "status"), "error");
	ck_assert(json_object_object_get_ex(r, "error", &e));
	ck_assert_str_eq(str(e, "type"), "HarnessError");
	ck_assert_msg(strstr(str(e, "message"), "not valid") &&
			      strstr(str(e, "message"), "non-finite") &&
			      strstr(str(e, "message"), "duration_ms"),
		      "%s", str(e, "message"));
	ck_assert(json_object_object_get_ex(r, "exit_code", &v) && !v);
	ck_assert_int_eq(num(r, "summary", "total"), 0);
	ck_assert(strict_json(r));
	json_object_put(r);
}
END_TEST

START_TEST(batch_results)
{
	struct request items[3];
	struct request_set rs = {items, 3, 1};
	char text[4096];
	json_object *r, *list, *el, *v;

	memset(items, 0, sizeof(items));
	items[1].isolation = REQUEST_ISOLATION_IN_PROCESS;
	/* Durations that overflow a double when added: the sum saturates. */
	snprintf(
		text, sizeof(text),
		"%s {\"results\":["
		"{\"status\":\"passed\",\"tests\":[" TEST(
			"passed") "]," HEAD "},"
				  "{\"status\":\"no_tests\",\"tests\":[]," HEAD
				  ",\"exit_code\":null},"
				  "{\"status\":\"passed\",\"tests\":["
				  "{\"index\":0,\"name\":\"a\",\"status\":\"passed\","
				  "\"duration_ms\":1.7e308},"
				  "{\"index\":1,\"name\":\"b\",\"status\":\"passed\","
				  "\"duration_ms\":1.7e308}]," HEAD
				  ",\"exit_code\":0}]}\n",
		NONCE);
	o.report = harness_report_batch(text, strlen(text), NONCE, 3,
					o.report_error, sizeof(o.report_error));
	ck_assert_msg(o.report != NULL, "%s", o.report_error);
	o.exit_code = 0;
	r = result_build_batch(&o, &rs);
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "results", &list));
	ck_assert_uint_eq(json_object_array_length(list), 3);
	el = json_object_array_get_idx(list, 0);
	ck_assert_str_eq(str(el, "isolation"), "process");
	ck_assert_int_eq(num(el, "exit_code", NULL), 0);
	el = json_object_array_get_idx(list, 1);
	ck_assert_str_eq(str(el, "isolation"), "in_process");
	ck_assert_str_eq(str(el, "status"), "no_tests");
	ck_assert(json_object_object_get_ex(el, "exit_code", &v) && !v);
	el = json_object_array_get_idx(list, 2);
	ck_assert(json_object_object_get_ex(el, "duration_ms", &v));
	ck_assert_double_eq(json_object_get_double(v), DBL_MAX);
	ck_assert(strict_json(r));
	json_object_put(r);
	json_object_put(o.report);

	/* No valid report: every element shares the runner's verdict, with
	 * its own isolation. */
	snprintf(text, sizeof(text),
		 "%s {\"results\":[{\"status\":\"passed\",\"tests\":[]," HEAD
		 "},{\"status\":\"passed\",\"tests\":[]," HEAD
		 ",\"x\":Infinity},{\"status\":\"passed\",\"tests\":[]," HEAD
		 "}]}\n",
		 NONCE);
	o.report = harness_report_batch(text, strlen(text), NONCE, 3,
					o.report_error, sizeof(o.report_error));
	ck_assert_ptr_null(o.report);
	o.exit_code = -1;
	r = result_build_batch(&o, &rs);
	ck_assert(json_object_object_get_ex(r, "results", &list));
	el = json_object_array_get_idx(list, 1);
	ck_assert_str_eq(str(el, "status"), "error");
	ck_assert_str_eq(str(el, "isolation"), "in_process");
	ck_assert(json_object_object_get_ex(el, "error", &v));
	ck_assert_ptr_nonnull(strstr(str(v, "message"), "results[1].x"));
	ck_assert(strict_json(r));
	json_object_put(r);
}
END_TEST

START_TEST(own_numbers_finite)
{
	json_object *r, *v;

	o.exit_code = 1;
	o.duration_ms = NAN;
	r = result_build(&o, &req);
	ck_assert(json_object_object_get_ex(r, "duration_ms", &v));
	ck_assert_double_eq(json_object_get_double(v), 0);
	ck_assert(strict_json(r));
	json_object_put(r);
	o.duration_ms = INFINITY;
	r = result_build(&o, &req);
	ck_assert(strict_json(r));
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
	tcase_add_test(tc, error_body_always_utf8);
	tcase_add_test(tc, isolation_echoed);
	tcase_add_test(tc, no_tests_passed_through);
	tcase_add_test(tc, exit_code_from_report);
	tcase_add_test(tc, invalid_report_is_harness_error);
	tcase_add_test(tc, batch_results);
	tcase_add_test(tc, own_numbers_finite);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(result_suite());
}
