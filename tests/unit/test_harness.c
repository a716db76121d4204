/* The harness protocol: the job frame, and the validation of reports. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/config.h"
#include "llsr/harness.h"
#include "llsr/request.h"
#include "parse_one.h"
#include "tap_main.h"

#define NONCE "0123456789abcdef0123456789abcdef"

static const char good[] =
	"{\"status\":\"failed\",\"tests\":[{\"index\":0,\"name\":\"assert f(1) == 2\","
	"\"line\":1,\"status\":\"failed\",\"duration_ms\":0.5,\"message\":\"assert 1 == 2\","
	"\"traceback\":null,\"stdout\":\"\",\"stderr\":\"\"}],\"error\":null,"
	"\"stdout\":\"hi\\n\",\"stdout_truncated\":false,\"stderr\":\"\","
	"\"stderr_truncated\":false}";

static char why[HARNESS_WHY_MAX];

static json_object *
report_of(const char *text)
{
	return harness_report(text, strlen(text), NONCE, why, sizeof(why));
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
	ck_assert_int_eq(parse_one(&r, body, strlen(body), &cfg, &e), 0);
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
	/* the wall-clock limits that go with the CPU time limits */
	ck_assert(json_object_object_get_ex(job, "wall_ms", &v));
	ck_assert_int_eq(json_object_get_int(v), 2 * 1234 + 500);
	ck_assert(json_object_object_get_ex(job, "test_wall_ms", &v));
	ck_assert_int_eq(json_object_get_int(v), 2 * 1234 + 500);
	ck_assert(json_object_object_get_ex(job, "output_limit", &v));
	ck_assert_int_eq(json_object_get_int(v), cfg.output_limit_bytes);
	ck_assert(json_object_object_get_ex(job, "isolation", &v));
	ck_assert_str_eq(json_object_get_string(v), "process");
	ck_assert(json_object_object_get_ex(job, "program", &v));
	ck_assert(json_object_is_type(v, json_type_boolean) &&
		  !json_object_get_boolean(v));
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
	ck_assert_ptr_null(harness_report(NULL, 0, NONCE, NULL, 0));
}
END_TEST

START_TEST(invalid_reports)
{
	/* Each must be rejected whole. */
	static const char *const bad[] = {
		"not json", "[]", "{}", "{\"status\":\"passed\"}",
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
		/* A NUL does not end a status. */
		"{\"status\":\"passed\\u0000x\",\"tests\":[],\"stdout\":\"\","
		"\"stderr\":\"\",\"stdout_truncated\":false,"
		"\"stderr_truncated\":false}",
		"{\"status\":\"passed\",\"tests\":[{\"index\":0,\"name\":\"a\","
		"\"status\":\"passed\\u0000\",\"duration_ms\":1}],\"stdout\":\"\","
		"\"stderr\":\"\",\"stdout_truncated\":false,"
		"\"stderr_truncated\":false}",
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
	r = harness_report_batch(text, strlen(text), NONCE, 2, why,
				 sizeof(why));
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_object_array_length(r), 2);
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(r, 1),
					    "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "failed");
	json_object_put(r);
	/* The wrong count, or one bad element, refuses the whole report. */
	ck_assert_ptr_null(harness_report_batch(text, strlen(text), NONCE, 3,
						why, sizeof(why)));
	snprintf(text, sizeof(text), "%s {\"results\":[%s,{}]}\n", NONCE, good);
	ck_assert_ptr_null(harness_report_batch(text, strlen(text), NONCE, 2,
						why, sizeof(why)));
	/* A refused frame answers for every element. */
	snprintf(text, sizeof(text), "%s %s\n", NONCE, good);
	r = harness_report_batch(text, strlen(text), NONCE, 3, why,
				 sizeof(why));
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(json_object_array_length(r), 3);
	json_object_put(r);
}
END_TEST

/* The job object of the single frame for body (the request's JSON). */
static json_object *
frame_job(const char *body)
{
	struct config cfg;
	struct request r;
	struct llsr_err e;
	struct buf out;
	json_object *job;

	config_defaults(&cfg);
	ck_assert_msg(parse_one(&r, body, strlen(body), &cfg, &e) == 0,
		      "%s: %s", body, e.message);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(harness_frame(&r, &cfg, NONCE, &out), 0);
	job = json_tokener_parse(strchr(out.data, '\n') + 1);
	ck_assert_ptr_nonnull(job);
	buf_release(&out);
	request_release(&r);
	return job;
}

static void
expect_job(const char *body, const char *isolation, int program)
{
	json_object *job = frame_job(body), *v;

	ck_assert(json_object_object_get_ex(job, "isolation", &v));
	ck_assert_msg(json_object_is_type(v, json_type_string) &&
			      !strcmp(json_object_get_string(v), isolation),
		      "%s: isolation %s", body, json_object_get_string(v));
	ck_assert(json_object_object_get_ex(job, "program", &v));
	ck_assert(json_object_is_type(v, json_type_boolean));
	ck_assert_msg(json_object_get_boolean(v) == program, "%s: program %d",
		      body, json_object_get_boolean(v));
	json_object_put(job);
}

START_TEST(frame_isolation_and_program)
{
	/* No "tests" key and no entry_point: a program. */
	expect_job("{\"code\":\"\"}", "process", 1);
	expect_job("{\"code\":\"\",\"stdin\":\"eA==\"}", "process", 1);
	/* "tests" given, even empty or null: a test run that may find none. */
	expect_job("{\"code\":\"\",\"tests\":\"\"}", "process", 0);
	expect_job("{\"code\":\"\",\"tests\":null}", "process", 0);
	expect_job("{\"code\":\"\",\"tests\":\"YXNzZXJ0IDE=\"}", "process", 0);
	expect_job("{\"code\":\"\",\"entry_point\":\"f\"}", "process", 0);
	expect_job("{\"code\":\"\",\"isolation\":\"in_process\"}", "in_process",
		   1);
	expect_job("{\"code\":\"\",\"tests\":\"\",\"isolation\":\"process\"}",
		   "process", 0);
	expect_job("{\"code\":\"\",\"isolation\":null}", "process", 1);
}
END_TEST

START_TEST(batch_frame_isolation_and_program)
{
	static const char body[] =
		"{\"submissions\":[{\"code\":\"\"},"
		"{\"code\":\"\",\"tests\":null,\"isolation\":\"in_process\"}]}";
	static const char *const iso[] = {"process", "in_process"};
	struct config cfg;
	struct request_set rs;
	struct llsr_err e;
	struct buf out;
	json_object *fr, *list, *job, *v;
	size_t i;

	config_defaults(&cfg);
	ck_assert_int_eq(request_parse_set(&rs, body, strlen(body), &cfg, &e),
			 0);
	buf_init(&out, 1 << 20);
	ck_assert_int_eq(
		harness_frame_batch(&rs, NONCE, 2, 1 << 20, &cfg, &out), 0);
	fr = json_tokener_parse(strchr(out.data, '\n') + 1);
	ck_assert_ptr_nonnull(fr);
	ck_assert(json_object_object_get_ex(fr, "batch", &list));
	ck_assert_uint_eq(json_object_array_length(list), 2);
	for (i = 0; i < 2; i++) {
		job = json_object_array_get_idx(list, i);
		ck_assert(json_object_object_get_ex(job, "isolation", &v));
		ck_assert_str_eq(json_object_get_string(v), iso[i]);
		ck_assert(json_object_object_get_ex(job, "program", &v));
		ck_assert_int_eq(json_object_get_boolean(v), i == 0);
	}
	json_object_put(fr);
	buf_release(&out);
	request_set_release(&rs);
}
END_TEST

/* Under runtime = runsc a single frame carries the submission's own
 * memory limit as RLIMIT_AS (gVisor ends the whole sandbox at the
 * container's limit); a batch frame says how to apply its jobs' limits.
 * Under runc neither key is sent. */
START_TEST(frame_memory_under_runsc)
{
	static const char body[] = "{\"code\":\"\",\"memory_mb\":64}";
	static const char batch[] = "{\"submissions\":[{\"code\":\"\"}]}";
	struct config cfg;
	struct request r;
	struct request_set rs;
	struct llsr_err e;
	struct buf out;
	json_object *job, *v;
	int runsc;

	for (runsc = 0; runsc < 2; runsc++) {
		config_defaults(&cfg);
		if (runsc)
			snprintf(cfg.runtime, sizeof(cfg.runtime), "runsc");
		ck_assert_int_eq(parse_one(&r, body, strlen(body), &cfg, &e),
				 0);
		buf_init(&out, 1 << 20);
		ck_assert_int_eq(harness_frame(&r, &cfg, NONCE, &out), 0);
		job = json_tokener_parse(strchr(out.data, '\n') + 1);
		ck_assert_ptr_nonnull(job);
		ck_assert_int_eq(
			json_object_object_get_ex(job, "memory_mb", &v), runsc);
		if (runsc) {
			ck_assert_int_eq(json_object_get_int(v), 64);
			ck_assert(json_object_object_get_ex(
				job, "memory_rlimit", &v));
			ck_assert_str_eq(json_object_get_string(v), "as");
		} else {
			ck_assert(!json_object_object_get_ex(
				job, "memory_rlimit", &v));
		}
		json_object_put(job);
		buf_release(&out);
		request_release(&r);

		ck_assert_int_eq(
			request_parse_set(&rs, batch, strlen(batch), &cfg, &e),
			0);
		buf_init(&out, 1 << 20);
		ck_assert_int_eq(
			harness_frame_batch(&rs, NONCE, 1, 1 << 20, &cfg, &out),
			0);
		job = json_tokener_parse(strchr(out.data, '\n') + 1);
		ck_assert_ptr_nonnull(job);
		ck_assert_int_eq(
			json_object_object_get_ex(job, "memory_rlimit", &v),
			runsc);
		if (runsc)
			ck_assert_str_eq(json_object_get_string(v), "as");
		json_object_put(job);
		buf_release(&out);
		request_set_release(&rs);
	}
}
END_TEST

#define HEAD                                                                   \
	"\"stdout\":\"\",\"stderr\":\"\",\"stdout_truncated\":false,"          \
	"\"stderr_truncated\":false"
#define T1(dur)                                                                  \
	"{\"index\":0,\"name\":\"a\",\"status\":\"passed\",\"duration_ms\":" dur \
	"}"

START_TEST(no_tests_status)
{
	json_object *r, *v;

	r = line("{\"status\":\"no_tests\",\"tests\":[]," HEAD "}");
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "status", &v));
	ck_assert_str_eq(json_object_get_string(v), "no_tests");
	json_object_put(r);
	/* Searched and found nothing: a list of tests contradicts it. */
	ck_assert_ptr_null(line(
		"{\"status\":\"no_tests\",\"tests\":[" T1("1") "]," HEAD "}"));
	ck_assert_ptr_nonnull(strstr(why, "no_tests"));
	/* A run status only, never a test's. */
	ck_assert_ptr_null(line(
		"{\"status\":\"failed\",\"tests\":[{\"index\":0,\"name\":"
		"\"a\",\"status\":\"no_tests\",\"duration_ms\":1}]," HEAD "}"));
}
END_TEST

START_TEST(exit_code_key)
{
	static const char *const bad[] = {"\"3\"", "-1", "256", "1.5",
					  "true",  "{}", NULL};
	json_object *r, *v;
	char text[1024];
	size_t i;

	/* Absent: not in the validated report (the service's stands). */
	r = line("{\"status\":\"passed\",\"tests\":[]," HEAD "}");
	ck_assert_ptr_nonnull(r);
	ck_assert(!json_object_object_get_ex(r, "exit_code", &v));
	json_object_put(r);
	/* null: the run was killed. */
	r = line("{\"status\":\"timeout\",\"tests\":[]," HEAD
		 ",\"exit_code\":null}");
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "exit_code", &v));
	ck_assert_ptr_null(v);
	json_object_put(r);
	r = line("{\"status\":\"error\",\"tests\":[]," HEAD
		 ",\"exit_code\":3}");
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "exit_code", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	json_object_put(r);
	r = line("{\"status\":\"error\",\"tests\":[]," HEAD
		 ",\"exit_code\":255}");
	ck_assert_ptr_nonnull(r);
	json_object_put(r);
	for (i = 0; bad[i]; i++) {
		snprintf(text, sizeof(text),
			 "{\"status\":\"error\",\"tests\":[]," HEAD
			 ",\"exit_code\":%s}",
			 bad[i]);
		ck_assert_msg(!line(text), "accepted exit_code %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "exit_code"));
	}
}
END_TEST

START_TEST(non_finite_numbers_refused)
{
	static const struct {
		const char *json, *path;
	} bad[] = {
		{"{\"status\":\"passed\",\"tests\":[" T1("NaN") "]," HEAD "}",
		 "tests[0].duration_ms"},
		{"{\"status\":\"passed\",\"tests\":[" T1("Infinity") "]," HEAD
								     "}",
		 "tests[0].duration_ms"},
		{"{\"status\":\"passed\",\"tests\":[" T1("-Infinity") "]," HEAD
								      "}",
		 "tests[0].duration_ms"},
		{"{\"status\":\"passed\",\"tests\":[" T1("1e999") "]," HEAD "}",
		 "tests[0].duration_ms"},
		{"{\"status\":\"passed\",\"tests\":[" T1("-1e999") "]," HEAD
								   "}",
		 "tests[0].duration_ms"},
		{"{\"status\":\"passed\",\"tests\":[" T1("nan") "]," HEAD "}",
		 "tests[0].duration_ms"},
		/* Anywhere, even in a key the service would drop. */
		{"{\"status\":\"passed\",\"tests\":[]," HEAD
		 ",\"extra\":{\"x\":[1,NaN]}}",
		 "extra.x[1]"},
		{"{\"status\":\"error\",\"tests\":[]," HEAD
		 ",\"error\":{\"type\":\"E\",\"message\":\"m\",\"line\":1,"
		 "\"when\":Infinity}}",
		 "error.when"},
		{"{\"status\":\"passed\",\"tests\":[]," HEAD
		 ",\"exit_code\":NaN}",
		 "exit_code"},
	};
	char text[2048];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(!line(bad[i].json), "accepted: %s", bad[i].json);
		ck_assert_msg(strstr(why, "non-finite") &&
				      strstr(why, bad[i].path),
			      "%s: why '%s'", bad[i].json, why);
	}
	/* In a batch: one element's NaN refuses the whole report. */
	snprintf(text, sizeof(text),
		 "%s {\"results\":[%s,{\"status\":\"passed\",\"tests\":[" T1(
			 "NaN") "]," HEAD "}]}\n",
		 NONCE, good);
	ck_assert_ptr_null(harness_report_batch(text, strlen(text), NONCE, 2,
						why, sizeof(why)));
	ck_assert_msg(strstr(why, "non-finite") &&
			      strstr(why, "results[1].tests[0].duration_ms"),
		      "why '%s'", why);
	/* A short why is cut, not overrun. */
	memset(why, 'x', sizeof(why));
	ck_assert_ptr_null(
		harness_report_batch(text, strlen(text), NONCE, 2, why, 16));
	ck_assert_uint_eq(strlen(why), 15);
}
END_TEST

/* 1 when text is JSON by RFC 8259 alone (json-c's strict mode). */
static int
strict_json(const char *text)
{
	json_tokener *tok = json_tokener_new();
	json_object *o;
	int ok;

	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)strlen(text));
	ok = o && json_tokener_get_error(tok) == json_tokener_success &&
	     json_tokener_get_parse_end(tok) == strlen(text);
	json_object_put(o);
	json_tokener_free(tok);
	return ok;
}

START_TEST(numbers_printed_as_json)
{
	static const struct {
		const char *in;
		double value;
	} cases[] = {{"1.", 1.0},      {"-01.5", -1.5}, {"00.5", 0.5},
		     {"0.003", 0.003}, {"1e5", 1e5},	{"1E+05", 1e5},
		     {"-0.0", -0.0},   {"1.5e", 1.5},	{"1e308", 1e308},
		     {"12", 12.0}};
	char text[1024];
	const char *out;
	json_object *r, *v;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "{\"status\":\"passed\",\"tests\":[{\"index\":0,"
			 "\"name\":\"a\",\"status\":\"passed\","
			 "\"duration_ms\":%s}]," HEAD "}",
			 cases[i].in);
		r = line(text);
		ck_assert_msg(r != NULL, "refused %s: %s", cases[i].in, why);
		out = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
		ck_assert_msg(strict_json(out), "%s gave %s", cases[i].in, out);
		v = json_object_array_get_idx(
			json_object_object_get(r, "tests"), 0);
		ck_assert_double_eq(
			json_object_get_double(
				json_object_object_get(v, "duration_ms")),
			cases[i].value);
		json_object_put(r);
	}
	/* A number that is JSON already keeps the harness's spelling. */
	r = line("{\"status\":\"passed\",\"tests\":[" T1("0.003") "]," HEAD
								  "}");
	out = json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(strstr(out, "\"duration_ms\":0.003"), "%s", out);
	json_object_put(r);
}
END_TEST

START_TEST(why_names_the_problem)
{
	ck_assert_ptr_null(report_of("no report here\n"));
	ck_assert_str_eq(why, "");
	ck_assert_ptr_null(line("not json"));
	ck_assert_ptr_nonnull(strstr(why, "not one JSON value"));
	ck_assert_ptr_null(
		line("{\"status\":\"great\",\"tests\":[]," HEAD "}"));
	ck_assert_ptr_nonnull(strstr(why, "great"));
	ck_assert_ptr_null(line("{\"status\":\"passed\",\"tests\":[]}"));
	ck_assert_ptr_nonnull(strstr(why, "stdout"));
	ck_assert_ptr_null(line("{\"status\":\"passed\",\"tests\":[{\"index\":"
				"0,\"name\":\"a\",\"status\":\"passed\"}]," HEAD
				"}"));
	ck_assert_ptr_nonnull(strstr(why, "tests[0]"));
	ck_assert_ptr_nonnull(strstr(why, "duration_ms"));
}
END_TEST

START_TEST(isolation_key)
{
	static const char *const bad[] = {
		"\"thread\"", "\"\"", "1", "true", "\"in_process\\u0000\"",
		NULL};
	json_object *r, *v;
	char text[1024];
	size_t i;

	r = line("{\"status\":\"passed\",\"tests\":[]," HEAD "}");
	ck_assert(!json_object_object_get_ex(r, "isolation", &v));
	json_object_put(r);
	r = line("{\"status\":\"passed\",\"tests\":[]," HEAD
		 ",\"isolation\":\"in_process\"}");
	ck_assert_ptr_nonnull(r);
	ck_assert(json_object_object_get_ex(r, "isolation", &v));
	ck_assert_str_eq(json_object_get_string(v), "in_process");
	json_object_put(r);
	for (i = 0; bad[i]; i++) {
		snprintf(text, sizeof(text),
			 "{\"status\":\"passed\",\"tests\":[]," HEAD
			 ",\"isolation\":%s}",
			 bad[i]);
		ck_assert_msg(!line(text), "accepted isolation %s", bad[i]);
		ck_assert_ptr_nonnull(strstr(why, "isolation"));
	}
}
END_TEST

START_TEST(frame_cases)
{
	json_object *job = frame_job(
		"{\"code\":\"\",\"cases\":[{\"name\":\"n\",\"stdin\":\"YQ==\","
		"\"expected_stdout\":\"Yg==\"},{\"expected_stdout\":\"\"}],"
		"\"compare\":\"tokens\",\"case_timeout_ms\":300}");
	json_object *v, *c;

	ck_assert(json_object_object_get_ex(job, "cases", &v));
	ck_assert_uint_eq(json_object_array_length(v), 2);
	c = json_object_array_get_idx(v, 0);
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(c, "name")), "n");
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(c, "stdin")),
		"YQ==");
	ck_assert_str_eq(json_object_get_string(
				 json_object_object_get(c, "expected_stdout")),
			 "Yg==");
	c = json_object_array_get_idx(v, 1);
	ck_assert(json_object_object_get_ex(c, "name", &v) && !v);
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(job, "compare")),
		"tokens");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 job, "case_timeout_ms")),
			 300);
	ck_assert_int_eq(json_object_get_int(
				 json_object_object_get(job, "case_wall_ms")),
			 1100);
	ck_assert_int_eq(
		json_object_get_int(json_object_object_get(job, "parallel")),
		1);
	/* A tolerance keeps its digits (doubles print with 3 decimals). */
	ck_assert(json_object_get_double(json_object_object_get(
			  job, "abs_tol")) == REQUEST_ABS_TOL);
	ck_assert(json_object_object_get_ex(job, "memory_mb", &v));
	ck_assert(!json_object_object_get_ex(job, "checker", NULL));
	json_object_put(job);
	/* A checker goes with its limits. */
	job = frame_job("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\"}],"
			"\"compare\":\"checker\",\"checker\":\"eA==\","
			"\"checker_timeout_ms\":300,\"checker_memory_mb\":64}");
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(job, "compare")),
		"checker");
	ck_assert_str_eq(
		json_object_get_string(json_object_object_get(job, "checker")),
		"eA==");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 job, "checker_timeout_ms")),
			 300);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 job, "checker_wall_ms")),
			 1100);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 job, "checker_memory_mb")),
			 64);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(
				 job, "checker_output_limit")),
			 65536);
	json_object_put(job);
	/* Without cases, none of it. */
	job = frame_job("{\"code\":\"\"}");
	ck_assert(!json_object_object_get_ex(job, "cases", NULL));
	ck_assert(!json_object_object_get_ex(job, "compare", NULL));
	json_object_put(job);
}
END_TEST

#define C1(st)                                                                 \
	"{\"index\":0,\"status\":\"" st "\",\"time_ms\":1.5,\"wall_ms\":2,"    \
	"\"memory_kb\":9000,\"exit_code\":0,\"signal\":null,\"message\":null," \
	"\"stderr\":\"\"}"

START_TEST(cases_report)
{
	json_object *r, *v, *c;

	r = line("{\"status\":\"failed\",\"tests\":[],\"cases\":[" C1(
		"passed") ",{\"index\":1,\"name\":\"b\",\"status\":"
			  "\"wrong_answer\",\"time_ms\":1,\"wall_ms\":2,"
			  "\"memory_kb\":1,\"difference\":{\"line\":2,"
			  "\"column\":3,\"expected\":\"x\",\"actual\":\"y\","
			  "\"extra\":1}}]," HEAD "}");
	ck_assert_msg(r != NULL, "%s", why);
	ck_assert(json_object_object_get_ex(r, "cases", &v));
	ck_assert_uint_eq(json_object_array_length(v), 2);
	c = json_object_array_get_idx(v, 0);
	ck_assert(json_object_object_get_ex(c, "difference", &v) && !v);
	json_object_object_get_ex(r, "cases", &v);
	c = json_object_object_get(json_object_array_get_idx(v, 1),
				   "difference");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(c, "line")),
			 2);
	ck_assert(!json_object_object_get_ex(c, "extra", NULL));
	json_object_put(r);
	/* Every verdict is known; others are refused. */
	static const char *const ok[] = {
		"passed",  "wrong_answer",  "runtime_error",
		"timeout", "memory_limit",  "output_limit",
		"not_run", "checker_error", NULL};
	for (size_t i = 0; ok[i]; i++) {
		char text[1024];

		snprintf(text, sizeof(text),
			 "{\"status\":\"failed\",\"tests\":[],\"cases\":["
			 "{\"index\":0,\"status\":\"%s\",\"time_ms\":0,"
			 "\"wall_ms\":0}]," HEAD "}",
			 ok[i]);
		r = line(text);
		ck_assert_msg(r != NULL, "%s: %s", ok[i], why);
		json_object_put(r);
	}
	ck_assert_ptr_null(line("{\"status\":\"failed\",\"tests\":[],"
				"\"cases\":[" C1("failed") "]," HEAD "}"));
	ck_assert_ptr_nonnull(strstr(why, "cases[0]"));
	ck_assert_ptr_null(line("{\"status\":\"failed\",\"tests\":[],"
				"\"cases\":{}," HEAD "}"));
	ck_assert_ptr_null(line(
		"{\"status\":\"failed\",\"tests\":[],\"cases\":[{\"index\":"
		"0,\"status\":\"passed\",\"time_ms\":\"1\",\"wall_ms\":0}"
		"]," HEAD "}"));
	ck_assert_ptr_null(line(
		"{\"status\":\"failed\",\"tests\":[],\"cases\":[{\"index\":"
		"0,\"status\":\"wrong_answer\",\"time_ms\":1,\"wall_ms\":0,"
		"\"difference\":{\"line\":1}}]," HEAD "}"));
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
	tcase_add_test(tc, frame_isolation_and_program);
	tcase_add_test(tc, batch_frame_isolation_and_program);
	tcase_add_test(tc, frame_memory_under_runsc);
	tcase_add_test(tc, no_tests_status);
	tcase_add_test(tc, exit_code_key);
	tcase_add_test(tc, non_finite_numbers_refused);
	tcase_add_test(tc, numbers_printed_as_json);
	tcase_add_test(tc, why_names_the_problem);
	tcase_add_test(tc, isolation_key);
	tcase_add_test(tc, frame_cases);
	tcase_add_test(tc, cases_report);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(harness_suite());
}
