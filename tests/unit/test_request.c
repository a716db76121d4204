/* Request validation: every field, every error code, the caps. */
#include "config.h"

#include <check.h>
#include <string.h>

#include "llsr/config.h"
#include "llsr/request.h"
#include "llsr/utf8.h"
#include "parse_one.h"
#include "tap_main.h"

static struct config cfg;
static struct request req;
static struct llsr_err err;

static void
setup(void)
{
	config_defaults(&cfg);
	err_clear(&err);
	memset(&req, 0, sizeof(req));
}

static void
teardown(void)
{
	request_release(&req);
}

static int
parse(const char *body)
{
	err_clear(&err);
	return parse_one(&req, body, strlen(body), &cfg, &err);
}

static void
expect_error(const char *body, int status, const char *code, const char *sub)
{
	ck_assert_int_eq(parse(body), -1);
	ck_assert_int_eq(err.status, status);
	ck_assert_str_eq(err.code, code);
	if (sub)
		ck_assert_msg(strstr(err.message, sub),
			      "message '%s' lacks '%s'", err.message, sub);
	ck_assert_ptr_null(req.code);
}

START_TEST(minimal)
{
	/* "print(1)" */
	ck_assert_int_eq(parse("{\"code\":\"cHJpbnQoMSk=\"}"), 0);
	ck_assert_str_eq((char *)req.code, "print(1)");
	ck_assert_uint_eq(req.code_len, 8);
	ck_assert_str_eq((char *)req.tests, "");
	ck_assert_uint_eq(req.stdin_len, 0);
	ck_assert_ptr_null(req.entry_point);
	ck_assert_int_eq(req.timeout_ms, cfg.timeout_ms);
	ck_assert_int_eq(req.test_timeout_ms, cfg.timeout_ms);
	ck_assert_int_eq(req.memory_mb, cfg.memory_mb);
	ck_assert_int_eq(req.stop_on_first_failure, 0);
}
END_TEST

START_TEST(all_fields)
{
	ck_assert_int_eq(parse("{\"code\":\"eA==\",\"tests\":\"eQ==\","
			       "\"stdin\":\"eg==\",\"language\":\"python\","
			       "\"entry_point\":\"f_1\",\"timeout_ms\":2000,"
			       "\"memory_mb\":64,\"test_timeout_ms\":500,"
			       "\"stop_on_first_failure\":true}"),
			 0);
	ck_assert_str_eq((char *)req.code, "x");
	ck_assert_str_eq((char *)req.tests, "y");
	ck_assert_str_eq((char *)req.stdin_data, "z");
	ck_assert_str_eq(req.entry_point, "f_1");
	ck_assert_int_eq(req.timeout_ms, 2000);
	ck_assert_int_eq(req.memory_mb, 64);
	ck_assert_int_eq(req.test_timeout_ms, 500);
	ck_assert_int_eq(req.stop_on_first_failure, 1);
}
END_TEST

START_TEST(wrapped_base64)
{
	/* base64(1) wraps at 76 columns; whitespace is ignored. */
	ck_assert_int_eq(parse("{\"code\":\"cHJp\\nbnQo\\r\\nMSk=\\n\"}"), 0);
	ck_assert_str_eq((char *)req.code, "print(1)");
}
END_TEST

START_TEST(nul_in_code)
{
	ck_assert_int_eq(parse("{\"code\":\"AGE=\"}"), 0);
	ck_assert_uint_eq(req.code_len, 2);
	ck_assert_int_eq(req.code[0], 0);
	ck_assert_int_eq(req.code[1], 'a');
}
END_TEST

START_TEST(test_timeout_clamped)
{
	ck_assert_int_eq(parse("{\"code\":\"\",\"timeout_ms\":1000,"
			       "\"test_timeout_ms\":5000}"),
			 0);
	ck_assert_int_eq(req.test_timeout_ms, 1000);
}
END_TEST

START_TEST(bad_json)
{
	expect_error("", 400, "invalid_json", NULL);
	expect_error("{", 400, "invalid_json", NULL);
	expect_error("{\"code\":\"eA==\"} x", 400, "invalid_json",
		     "trailing data at byte offset 16");
	expect_error("{\"code\":\"eA==\"}{}", 400, "invalid_json",
		     "trailing data at byte offset 15");
	expect_error("{\"code\":\"eA==\"", 400, "invalid_json", "end of input");
	expect_error("{\"code\":\"eA==\",}", 400, "invalid_json", NULL);
	expect_error("[1,2]", 400, "invalid_json", "object");
	expect_error("\"code\"", 400, "invalid_json", "object");
	expect_error("{'code':'eA=='}", 400, "invalid_json", NULL);
	/* Nesting past the depth limit. */
	expect_error(
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		400, "invalid_json", NULL);
}
END_TEST

START_TEST(trailing_whitespace_ok)
{
	ck_assert_int_eq(parse("{\"code\":\"eA==\"}\r\n  "), 0);
}
END_TEST

START_TEST(missing_code)
{
	expect_error("{}", 400, "missing_field", "code");
	expect_error("{\"code\":null}", 400, "missing_field", "code");
	expect_error("{\"tests\":\"eA==\"}", 400, "missing_field", "code");
}
END_TEST

START_TEST(bad_base64)
{
	expect_error("{\"code\":\"eA*=\"}", 400, "invalid_base64",
		     "'code' is not valid base64 at byte offset 2");
	expect_error("{\"code\":\"eA==\",\"tests\":\"!!!!\"}", 400,
		     "invalid_base64", "'tests'");
	expect_error("{\"code\":\"eA==\",\"stdin\":\"eA\"}", 400,
		     "invalid_base64", "'stdin'");
	expect_error("{\"code\":\"eA=\"}", 400, "invalid_base64", "offset 3");
}
END_TEST

START_TEST(wrong_types)
{
	expect_error("{\"code\":5}", 400, "invalid_field", "code");
	expect_error("{\"code\":\"\",\"tests\":[]}", 400, "invalid_field",
		     "tests");
	expect_error("{\"code\":\"\",\"timeout_ms\":\"100\"}", 400,
		     "invalid_field", "timeout_ms");
	expect_error("{\"code\":\"\",\"timeout_ms\":1.5}", 400, "invalid_field",
		     "timeout_ms");
	expect_error("{\"code\":\"\",\"memory_mb\":true}", 400, "invalid_field",
		     "memory_mb");
	expect_error("{\"code\":\"\",\"stop_on_first_failure\":1}", 400,
		     "invalid_field", "stop_on_first_failure");
	expect_error("{\"code\":\"\",\"language\":3}", 400, "invalid_field",
		     "language");
}
END_TEST

START_TEST(limits)
{
	expect_error("{\"code\":\"\",\"timeout_ms\":0}", 400, "invalid_field",
		     "timeout_ms");
	expect_error("{\"code\":\"\",\"timeout_ms\":-5}", 400, "invalid_field",
		     "timeout_ms");
	/* A client may lower a limit, never raise it past the cap. */
	expect_error("{\"code\":\"\",\"timeout_ms\":10001}", 400,
		     "invalid_field", "between 100 and 10000");
	expect_error("{\"code\":\"\",\"memory_mb\":257}", 400, "invalid_field",
		     "memory_mb");
	expect_error("{\"code\":\"\",\"memory_mb\":99999999999999999999}", 400,
		     "invalid_field", "memory_mb");
	expect_error("{\"code\":\"\",\"test_timeout_ms\":99}", 400,
		     "invalid_field", "test_timeout_ms");
	ck_assert_int_eq(parse("{\"code\":\"\",\"timeout_ms\":10000,"
			       "\"memory_mb\":256}"),
			 0);
	request_release(&req);
	cfg.timeout_ms = 3000;
	expect_error("{\"code\":\"\",\"timeout_ms\":3001}", 400,
		     "invalid_field", "3000");
}
END_TEST

START_TEST(language)
{
	ck_assert_int_eq(parse("{\"code\":\"\",\"language\":\"python3\"}"), 0);
	request_release(&req);
	expect_error("{\"code\":\"\",\"language\":\"ruby\"}", 400,
		     "unsupported_language", "ruby");
	expect_error("{\"code\":\"\",\"language\":\"Python\"}", 400,
		     "unsupported_language", NULL);
}
END_TEST

START_TEST(entry_point)
{
	expect_error("{\"code\":\"\",\"entry_point\":\"\"}", 400,
		     "invalid_field", "entry_point");
	expect_error("{\"code\":\"\",\"entry_point\":\"1abc\"}", 400,
		     "invalid_field", "entry_point");
	expect_error("{\"code\":\"\",\"entry_point\":\"a.b\"}", 400,
		     "invalid_field", "entry_point");
	expect_error("{\"code\":\"\",\"entry_point\":\"os.system('x')\"}", 400,
		     "invalid_field", "entry_point");
	expect_error("{\"code\":\"\",\"entry_point\":5}", 400, "invalid_field",
		     "entry_point");
	ck_assert_int_eq(parse("{\"code\":\"\",\"entry_point\":null}"), 0);
	ck_assert_ptr_null(req.entry_point);
}
END_TEST

START_TEST(unknown_field)
{
	expect_error("{\"code\":\"\",\"timeout\":5}", 400, "invalid_field",
		     "unknown field 'timeout'");
	expect_error("{\"code\":\"\",\"network\":true}", 400, "invalid_field",
		     "network");
}
END_TEST

/* The message of the last error is well-formed UTF-8 without controls. */
static void
expect_clean_message(void)
{
	const char *p;

	ck_assert_msg(utf8_valid(err.message, strlen(err.message)),
		      "message not UTF-8: '%s'", err.message);
	for (p = err.message; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20, "control byte in '%s'",
			      err.message);
}

START_TEST(nul_in_key)
{
	/* json-c would read "code\u0000x" as "code". */
	expect_error("{\"code\\u0000x\":\"eA==\"}", 400, "invalid_field",
		     "field name at byte offset 1 holds a NUL");
	expect_error("{\"code\":\"eA==\",\"code\\u0000\" : \"!!\"}", 400,
		     "invalid_field", "byte offset 15");
	expect_error("{\"submissions\":[{\"\\u0000\":1}]}", 400,
		     "invalid_field", "NUL");
	expect_error("{\"code\":\"eA==\",\"x\":{\"\\u0000\":1}}", 400,
		     "invalid_field", "NUL");
	/* An escaped backslash before "u0000" is no NUL: a plain unknown
	 * field; a NUL in a value is the value's business. */
	expect_error("{\"code\":\"eA==\",\"x\\\\u0000\":1}", 400,
		     "invalid_field", "unknown field 'x\\u0000'");
	expect_error("{\"code\":\"eA==\",\"tests\":\"\\u0000\"}", 400,
		     "invalid_base64", "tests");
}
END_TEST

START_TEST(nul_in_language)
{
	/* strcmp would see "python". */
	expect_error("{\"code\":\"\",\"language\":\"python\\u0000ruby\"}", 400,
		     "invalid_field", "'python\\x00ruby'");
	expect_clean_message();
	expect_error("{\"code\":\"\",\"language\":\"\\u0000\"}", 400,
		     "invalid_field", "NUL");
}
END_TEST

START_TEST(echo_invalid_utf8)
{
	expect_error("{\"code\":\"\",\"\xFF\xFEk\":1}", 400, "invalid_field",
		     "unknown field '\\xFF\\xFEk'");
	expect_clean_message();
	expect_error("{\"code\":\"\",\"language\":\"\xC3(\\n\"}", 400,
		     "unsupported_language", "language '\\xC3(\\x0A'");
	expect_clean_message();
	/* A lone surrogate escape: json-c gives U+FFFD, echoed as it is. */
	expect_error("{\"code\":\"\",\"\\ud800\":1}", 400, "invalid_field",
		     "'\xEF\xBF\xBD'");
	expect_clean_message();
}
END_TEST

START_TEST(echo_cut_at_character)
{
	/* Keys of n characters of 2, 3 and 4 bytes: the echo is cut, when
	 * it is, after a whole character and marked "...". */
	static const char *const chars[] = {"\xC3\xA9", "\xE2\x82\xAC",
					    "\xF0\x9F\x98\x80"};
	char body[512];
	size_t w, n, i, o;

	for (w = 0; w < 3; w++) {
		for (n = 1; n <= 60; n++) {
			o = (size_t)snprintf(body, sizeof(body),
					     "{\"code\":\"\",\"");
			for (i = 0; i < n; i++)
				o += (size_t)snprintf(body + o,
						      sizeof(body) - o, "%s",
						      chars[w]);
			snprintf(body + o, sizeof(body) - o, "\":1}");
			expect_error(body, 400, "invalid_field",
				     "unknown field '");
			expect_clean_message();
			/* 72 bytes with the NUL (ECHO_SIZE). */
			if (n * strlen(chars[w]) > 71)
				ck_assert_msg(strstr(err.message, "...'"),
					      "no ... in '%s'", err.message);
		}
	}
	/* The language's echo likewise. */
	expect_error(
		"{\"code\":\"\",\"language\":\"\xE2\x82\xAC\xE2\x82\xAC"
		"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
		"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
		"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
		"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC"
		"\xE2\x82\xAC\xE2\x82\xAC\xE2\x82\xAC\"}",
		400, "unsupported_language", "...'");
	expect_clean_message();
}
END_TEST

START_TEST(embedded_nul_body)
{
	static const char body[] = "{\"code\":\"eA==\"}\0garbage";

	err_clear(&err);
	ck_assert_int_eq(parse_one(&req, body, sizeof(body) - 1, &cfg, &err),
			 -1);
	ck_assert_str_eq(err.code, "invalid_json");
}
END_TEST

START_TEST(batch)
{
	struct request_set rs;

	err_clear(&err);
	ck_assert_int_eq(
		request_parse_set(&rs,
				  "{\"submissions\":[{\"code\":"
				  "\"eA==\"},{\"code\":\"eQ==\","
				  "\"timeout_ms\":500}]}",
				  strlen("{\"submissions\":[{\"code\":"
					 "\"eA==\"},{\"code\":\"eQ==\","
					 "\"timeout_ms\":500}]}"),
				  &cfg, &err),
		0);
	ck_assert_int_eq(rs.batch, 1);
	ck_assert_uint_eq(rs.n, 2);
	ck_assert_str_eq((char *)rs.items[0].code, "x");
	ck_assert_str_eq((char *)rs.items[1].code, "y");
	ck_assert_int_eq(rs.items[1].timeout_ms, 500);
	request_set_release(&rs);

	ck_assert_int_eq(
		request_parse_set(&rs, "{\"code\":\"eA==\"}", 15, &cfg, &err),
		0);
	ck_assert_int_eq(rs.batch, 0);
	ck_assert_uint_eq(rs.n, 1);
	request_set_release(&rs);
}
END_TEST

static void
expect_batch_error(const char *body, const char *sub, long index)
{
	struct request_set rs;

	err_clear(&err);
	ck_assert_int_eq(request_parse_set(&rs, body, strlen(body), &cfg, &err),
			 -1);
	ck_assert_int_eq(err.status, 400);
	ck_assert_msg(strstr(err.message, sub), "message '%s' lacks '%s'",
		      err.message, sub);
	ck_assert_int_eq(err.index, index);
	ck_assert_ptr_null(rs.items);
}

START_TEST(batch_errors)
{
	expect_batch_error("{\"submissions\":[]}", "1 to 1000", -1);
	expect_batch_error("{\"submissions\":{}}", "must be an array", -1);
	expect_batch_error("{\"submissions\":[{\"code\":\"eA==\"}],\"x\":1}",
			   "unknown field 'x'", -1);
	expect_batch_error("{\"submissions\":[{\"code\":\"eA==\"},5]}",
			   "submissions[1]: must be an object", 1);
	expect_batch_error("{\"submissions\":[{\"code\":\"eA==\"},"
			   "{\"code\":\"eA==\"},{\"code\":\"!!\"}]}",
			   "submissions[2]: field 'code' is not valid base64",
			   2);
	expect_batch_error("{\"submissions\":[{\"code\":\"\"}],"
			   "\"\xED\xA0\x80\":1}",
			   "unknown field '\\xED\\xA0\\x80' next to", -1);
	expect_batch_error("{\"submissions\":[{\"code\":\"\","
			   "\"\xF0\x9F\x98\":1}]}",
			   "submissions[0]: unknown field '\\xF0\\x9F\\x98'",
			   0);
	expect_batch_error("{\"submissions\":[{\"tests\":\"eA==\"}]}",
			   "submissions[0]: field 'code' is required", 0);
	cfg.max_batch = 2;
	expect_batch_error("{\"submissions\":[{\"code\":\"\"},{\"code\":\"\"},"
			   "{\"code\":\"\"}]}",
			   "1 to 2 submissions, not 3", -1);
}
END_TEST

/* Fair shares: a batch costs the sum of its elements' timeout_ms. */
START_TEST(batch_cost)
{
	static const char eight[] =
		"{\"submissions\":[{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000},"
		"{\"code\":\"eA==\",\"timeout_ms\":4000}]}";
	struct request_set rs;

	/* The default is the default batch wall budget: 30 default elements,
	 * not the 1000 that max_batch allows. */
	ck_assert_int_eq(cfg.max_batch_cost_ms, cfg.batch_timeout_ms);
	ck_assert_int_eq(cfg.max_batch_cost_ms, 30L * cfg.timeout_ms);
	ck_assert_int_eq(
		request_parse_set(&rs, eight, strlen(eight), &cfg, &err), 0);
	request_set_release(&rs);
	/* 8 * 4000 = 32000 over 30000: refused, naming cost and limit, and
	 * carrying both for a client that splits the batch. */
	cfg.max_batch_cost_ms = 30000;
	expect_batch_error(eight, "costs 32000 ms", -1);
	ck_assert_str_eq(err.code, "batch_too_costly");
	ck_assert_ptr_nonnull(strstr(err.message, "30000 ms"));
	ck_assert_ptr_nonnull(strstr(err.message, "max_batch_cost_ms"));
	ck_assert_int_eq(err.cost_ms, 32000);
	ck_assert_int_eq(err.max_cost_ms, 30000);
	/* Exactly at the limit: accepted. An element without timeout_ms
	 * costs the server's timeout_ms. */
	cfg.max_batch_cost_ms = 32000;
	ck_assert_int_eq(
		request_parse_set(&rs, eight, strlen(eight), &cfg, &err), 0);
	request_set_release(&rs);
	cfg.max_batch_cost_ms = 2 * cfg.timeout_ms - 1;
	expect_batch_error("{\"submissions\":[{\"code\":\"\"},"
			   "{\"code\":\"\"}]}",
			   "costs 20000 ms", -1);
	/* The client may lower the cap, not raise it. */
	cfg.max_batch_cost_ms = 40000;
	expect_batch_error("{\"max_cost_ms\":40001,\"submissions\":"
			   "[{\"code\":\"\"}]}",
			   "'max_cost_ms' must be between 1 and 40000", -1);
	ck_assert_str_eq(err.code, "invalid_field");
	expect_batch_error("{\"max_cost_ms\":\"1\",\"submissions\":"
			   "[{\"code\":\"\"}]}",
			   "must be an integer", -1);
	expect_batch_error("{\"max_cost_ms\":5000,\"submissions\":"
			   "[{\"code\":\"\",\"timeout_ms\":5001}]}",
			   "request's max_cost_ms", -1);
	ck_assert_str_eq(err.code, "batch_too_costly");
	ck_assert_int_eq(err.cost_ms, 5001);
	ck_assert_int_eq(err.max_cost_ms, 5000);
	err_clear(&err);
	ck_assert_int_eq(
		request_parse_set(
			&rs,
			"{\"max_cost_ms\":5000,\"submissions\":"
			"[{\"code\":\"\",\"timeout_ms\":5000}]}",
			strlen("{\"max_cost_ms\":5000,\"submissions\":"
			       "[{\"code\":\"\",\"timeout_ms\":5000}]}"),
			&cfg, &err),
		0);
	request_set_release(&rs);
}
END_TEST

START_TEST(isolation)
{
	ck_assert_int_eq(parse("{\"code\":\"\"}"), 0);
	ck_assert_int_eq(req.isolation, REQUEST_ISOLATION_PROCESS);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"isolation\":\"process\"}"), 0);
	ck_assert_int_eq(req.isolation, REQUEST_ISOLATION_PROCESS);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"isolation\":\"in_process\"}"),
			 0);
	ck_assert_int_eq(req.isolation, REQUEST_ISOLATION_IN_PROCESS);
	request_release(&req);
	/* null is the default, as for every optional field. */
	ck_assert_int_eq(parse("{\"code\":\"\",\"isolation\":null}"), 0);
	ck_assert_int_eq(req.isolation, REQUEST_ISOLATION_PROCESS);
	request_release(&req);
	expect_error("{\"code\":\"\",\"isolation\":\"thread\"}", 400,
		     "invalid_field",
		     "field 'isolation' must be \"process\" or \"in_process\"");
	expect_error("{\"code\":\"\",\"isolation\":\"Process\"}", 400,
		     "invalid_field", "isolation");
	expect_error("{\"code\":\"\",\"isolation\":\"\"}", 400, "invalid_field",
		     "isolation");
	expect_error("{\"code\":\"\",\"isolation\":1}", 400, "invalid_field",
		     "isolation");
	expect_error("{\"code\":\"\",\"isolation\":true}", 400, "invalid_field",
		     "isolation");
	expect_error("{\"code\":\"\",\"isolation\":[\"process\"]}", 400,
		     "invalid_field", "isolation");
	expect_error("{\"code\":\"\",\"isolation\":\"in_process\\u0000\"}", 400,
		     "invalid_field", "isolation");
	ck_assert_str_eq(request_isolation_name(REQUEST_ISOLATION_PROCESS),
			 "process");
	ck_assert_str_eq(request_isolation_name(REQUEST_ISOLATION_IN_PROCESS),
			 "in_process");
}
END_TEST

START_TEST(program_or_tests)
{
	/* Only a request without a "tests" key (and no entry_point) is a
	 * program; "tests": "" or null is a test run that may find none. */
	ck_assert_int_eq(parse("{\"code\":\"\"}"), 0);
	ck_assert_int_eq(req.program, 1);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"tests\":\"\"}"), 0);
	ck_assert_int_eq(req.program, 0);
	ck_assert_str_eq((char *)req.tests, "");
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"tests\":null}"), 0);
	ck_assert_int_eq(req.program, 0);
	ck_assert_str_eq((char *)req.tests, "");
	ck_assert_uint_eq(req.tests_len, 0);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"tests\":\"eA==\"}"), 0);
	ck_assert_int_eq(req.program, 0);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"entry_point\":\"f\"}"), 0);
	ck_assert_int_eq(req.program, 0);
	request_release(&req);
	ck_assert_int_eq(parse("{\"code\":\"\",\"entry_point\":null}"), 0);
	ck_assert_int_eq(req.program, 1);
}
END_TEST

/* Program cases: {"code": ..., "cases": [...]} */
START_TEST(cases_parsed)
{
	/* "a\n" -> "b\n", and a named case with no stdin. */
	ck_assert_int_eq(
		parse("{\"code\":\"\",\"cases\":[{\"stdin\":\"YQo=\","
		      "\"expected_stdout\":\"Ygo=\"},{\"name\":\"two\","
		      "\"expected_stdout\":\"\"}]}"),
		0);
	ck_assert_uint_eq(req.ncases, 2);
	ck_assert_ptr_null(req.cases[0].name);
	ck_assert_str_eq(req.cases[0].stdin_b64, "YQo=");
	ck_assert_str_eq(req.cases[0].expected_b64, "Ygo=");
	ck_assert_str_eq(req.cases[1].name, "two");
	ck_assert_str_eq(req.cases[1].stdin_b64, "");
	ck_assert_int_eq(req.compare, REQUEST_COMPARE_LINES);
	ck_assert(req.abs_tol == REQUEST_ABS_TOL);
	ck_assert(req.rel_tol == REQUEST_REL_TOL);
	ck_assert_int_eq(req.case_timeout_ms, cfg.case_timeout_ms);
	ck_assert_int_eq(req.case_output_limit, cfg.max_case_bytes);
	request_release(&req);
	ck_assert_int_eq(
		parse("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\"}],"
		      "\"compare\":\"float\",\"abs_tol\":0.5,\"rel_tol\":0,"
		      "\"case_timeout_ms\":100,\"case_output_limit\":1}"),
		0);
	ck_assert_int_eq(req.compare, REQUEST_COMPARE_FLOAT);
	ck_assert(req.abs_tol == 0.5 && req.rel_tol == 0);
	ck_assert_int_eq(req.case_timeout_ms, 100);
	ck_assert_int_eq(req.case_output_limit, 1);
	ck_assert_str_eq(request_compare_name(req.compare), "float");
}
END_TEST

START_TEST(cases_refused)
{
	static const char one[] = "[{\"expected_stdout\":\"\"}]";
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"tests\":\"\",\"cases\":%s}", one);
	expect_error(body, 400, "conflicting_fields", "'tests'");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"tests\":null,\"cases\":%s}", one);
	expect_error(body, 400, "conflicting_fields", "'tests'");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"stdin\":\"\",\"cases\":%s}", one);
	expect_error(body, 400, "conflicting_fields", "'stdin'");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"entry_point\":\"f\",\"cases\":%s}", one);
	expect_error(body, 400, "conflicting_fields", "'entry_point'");
	expect_error("{\"code\":\"\",\"compare\":\"exact\"}", 400,
		     "invalid_field", "needs 'cases'");
	expect_error("{\"code\":\"\",\"case_timeout_ms\":100}", 400,
		     "invalid_field", "needs 'cases'");
	expect_error("{\"code\":\"\",\"cases\":[]}", 400, "invalid_field",
		     "1 to 1000");
	expect_error("{\"code\":\"\",\"cases\":{}}", 400, "invalid_field",
		     "array");
	expect_error("{\"code\":\"\",\"cases\":[1]}", 400, "invalid_field",
		     "cases[0]");
	expect_error("{\"code\":\"\",\"cases\":[{\"stdin\":\"\"}]}", 400,
		     "missing_field", "cases[0].expected_stdout");
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\"},"
		     "{\"expected_stdout\":\"@\"}]}",
		     400, "invalid_base64", "cases[1].expected_stdout");
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\","
		     "\"x\":1}]}",
		     400, "invalid_field", "unknown field");
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\","
		     "\"name\":7}]}",
		     400, "invalid_field", "cases[0].name");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"diff\"}", one);
	expect_error(body, 400, "invalid_field", "compare");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"abs_tol\":-1}", one);
	expect_error(body, 400, "invalid_field", "abs_tol");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"rel_tol\":\"x\"}", one);
	expect_error(body, 400, "invalid_field", "rel_tol");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"case_timeout_ms\":2001}", one);
	expect_error(body, 400, "invalid_field", "case_timeout_ms");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"case_output_limit\":0}", one);
	expect_error(body, 400, "invalid_field", "case_output_limit");
	expect_error("{\"submissions\":[{\"code\":\"\",\"cases\":[]}]}", 400,
		     "invalid_field", "batch");
}
END_TEST

/* compare "checker" and the field "checker" go together. */
START_TEST(cases_checker)
{
	static const char one[] = "[{\"expected_stdout\":\"\"}]";
	char body[256];

	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"eA==\"}",
		 one);
	ck_assert_int_eq(parse(body), 0);
	ck_assert_int_eq(req.compare, REQUEST_COMPARE_CHECKER);
	ck_assert_str_eq(request_compare_name(req.compare), "checker");
	ck_assert_uint_eq(req.checker_len, 1);
	ck_assert_str_eq((const char *)req.checker, "x");
	ck_assert_int_eq(req.checker_timeout_ms, cfg.checker_timeout_ms);
	ck_assert_int_eq(req.checker_memory_mb, cfg.checker_memory_mb);
	ck_assert_int_eq(req.checker_output_limit, cfg.checker_output_bytes);
	request_release(&req);
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"eA==\",\"checker_timeout_ms\":100,"
		 "\"checker_memory_mb\":16,\"checker_output_limit\":1}",
		 one);
	ck_assert_int_eq(parse(body), 0);
	ck_assert_int_eq(req.checker_timeout_ms, 100);
	ck_assert_int_eq(req.checker_memory_mb, 16);
	ck_assert_int_eq(req.checker_output_limit, 1);
	request_release(&req);
	/* One without the other. */
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\"}", one);
	expect_error(body, 400, "missing_field", "'checker'");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"checker\":\"eA==\"}", one);
	expect_error(body, 400, "conflicting_fields", "\"lines\"");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"exact\","
		 "\"checker\":\"eA==\"}",
		 one);
	expect_error(body, 400, "conflicting_fields", "\"exact\"");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"checker_timeout_ms\":100}",
		 one);
	expect_error(body, 400, "conflicting_fields", "checker_timeout_ms");
	expect_error("{\"code\":\"\",\"checker\":\"eA==\"}", 400,
		     "invalid_field", "needs 'cases'");
	/* Its own errors, and its limits: lower, never higher. */
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"\"}",
		 one);
	expect_error(body, 400, "invalid_field", "empty");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"@\"}",
		 one);
	expect_error(body, 400, "invalid_base64", "'checker'");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"eA==\",\"checker_timeout_ms\":5001}",
		 one);
	expect_error(body, 400, "invalid_field", "checker_timeout_ms");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"eA==\",\"checker_memory_mb\":257}",
		 one);
	expect_error(body, 400, "invalid_field", "checker_memory_mb");
	snprintf(body, sizeof(body),
		 "{\"code\":\"\",\"cases\":%s,\"compare\":\"checker\","
		 "\"checker\":\"eA==\",\"checker_output_limit\":0}",
		 one);
	expect_error(body, 400, "invalid_field", "checker_output_limit");
}
END_TEST

START_TEST(cases_caps)
{
	/* max_case_bytes 3: "YWJj" (abc) fits, "YWJjZA==" (abcd) does not,
	 * and a long one is refused before it is decoded. */
	cfg.max_case_bytes = 3;
	cfg.max_cases = 2;
	ck_assert_int_eq(parse("{\"code\":\"\",\"cases\":[{\"stdin\":\"YWJj\","
			       "\"expected_stdout\":\"YWJj\"}]}"),
			 0);
	request_release(&req);
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":"
		     "\"YWJjZA==\"}]}",
		     400, "invalid_field", "limit of 3 bytes");
	expect_error("{\"code\":\"\",\"cases\":[{\"stdin\":\"YWJjZGVmZ2hp\","
		     "\"expected_stdout\":\"\"}]}",
		     400, "invalid_field", "cases[0].stdin");
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\"},"
		     "{\"expected_stdout\":\"\"},{\"expected_stdout\":\"\"}]}",
		     400, "invalid_field", "1 to 2");
	expect_error("{\"code\":\"\",\"cases\":[{\"expected_stdout\":\"\"}],"
		     "\"case_output_limit\":4}",
		     400, "invalid_field", "case_output_limit");
}
END_TEST

static Suite *
request_suite(void)
{
	Suite *s = suite_create("request");
	TCase *tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, minimal);
	tcase_add_test(tc, all_fields);
	tcase_add_test(tc, wrapped_base64);
	tcase_add_test(tc, nul_in_code);
	tcase_add_test(tc, test_timeout_clamped);
	tcase_add_test(tc, bad_json);
	tcase_add_test(tc, trailing_whitespace_ok);
	tcase_add_test(tc, missing_code);
	tcase_add_test(tc, bad_base64);
	tcase_add_test(tc, wrong_types);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, language);
	tcase_add_test(tc, entry_point);
	tcase_add_test(tc, unknown_field);
	tcase_add_test(tc, embedded_nul_body);
	tcase_add_test(tc, nul_in_key);
	tcase_add_test(tc, nul_in_language);
	tcase_add_test(tc, echo_invalid_utf8);
	tcase_add_test(tc, echo_cut_at_character);
	tcase_add_test(tc, batch);
	tcase_add_test(tc, batch_errors);
	tcase_add_test(tc, batch_cost);
	tcase_add_test(tc, isolation);
	tcase_add_test(tc, program_or_tests);
	tcase_add_test(tc, cases_parsed);
	tcase_add_test(tc, cases_refused);
	tcase_add_test(tc, cases_checker);
	tcase_add_test(tc, cases_caps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(request_suite());
}
