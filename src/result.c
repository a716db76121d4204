#include "config.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/result.h"
#include "llsr/utf8.h"

static json_object *
get(json_object *o, const char *k)
{
	json_object *v = NULL;

	if (o)
		json_object_object_get_ex(o, k, &v);
	return v;
}

static json_object *
summary(json_object *tests)
{
	static const char *const keys[] = {"passed", "failed", "errors",
					   "not_run"};
	int64_t count[4] = {0, 0, 0, 0};
	json_object *s = json_object_new_object();
	size_t i, n = tests ? json_object_array_length(tests) : 0;

	for (i = 0; i < n; i++) {
		const char *st = json_object_get_string(
			get(json_object_array_get_idx(tests, i), "status"));

		if (strcmp(st, "passed") == 0)
			count[0]++;
		else if (strcmp(st, "failed") == 0)
			count[1]++;
		else if (strcmp(st, "not_run") == 0)
			count[3]++;
		else
			count[2]++;
	}
	json_object_object_add(s, "total", json_object_new_int64((int64_t)n));
	for (i = 0; i < 4; i++)
		json_object_object_add(s, keys[i],
				       json_object_new_int64(count[i]));
	return s;
}

/* The summary of a program-cases run: total, passed, failed (any other
 * verdict) and not_run. */
static json_object *
case_summary(json_object *cases)
{
	int64_t passed = 0, not_run = 0;
	json_object *s = json_object_new_object();
	size_t i, n = cases ? json_object_array_length(cases) : 0;

	for (i = 0; i < n; i++) {
		const char *st = json_object_get_string(
			get(json_object_array_get_idx(cases, i), "status"));

		if (strcmp(st, "passed") == 0)
			passed++;
		else if (strcmp(st, "not_run") == 0)
			not_run++;
	}
	json_object_object_add(s, "total", json_object_new_int64((int64_t)n));
	json_object_object_add(s, "passed", json_object_new_int64(passed));
	json_object_object_add(
		s, "failed",
		json_object_new_int64((int64_t)n - passed - not_run));
	json_object_object_add(s, "not_run", json_object_new_int64(not_run));
	return s;
}

static json_object *
no_report_error(const struct run_outcome *o)
{
	json_object *e = json_object_new_object();
	char msg[256];

	if (o->report_error[0])
		snprintf(msg, sizeof(msg),
			 "the harness's report is not valid: %s",
			 o->report_error);
	else
		snprintf(msg, sizeof(msg),
			 "the sandbox ended without a report (exit code %d)",
			 o->exit_code);
	json_object_object_add(e, "type",
			       json_object_new_string("HarnessError"));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(e, "line", NULL);
	json_object_object_add(e, "traceback", NULL);
	return e;
}

/* The report's exit_code when it has one (an int, or null: killed), else
 * the container's as the runner saw it (-1: unknown, null). */
static json_object *
exit_code(const struct run_outcome *o)
{
	json_object *v;

	if (o->report && json_object_object_get_ex(o->report, "exit_code", &v))
		return json_object_get(v);
	return o->exit_code >= 0 ? json_object_new_int(o->exit_code) : NULL;
}

/* A duration for the answer: never NaN or infinite, which JSON cannot
 * carry. */
static json_object *
duration(double ms)
{
	return json_object_new_double(isfinite(ms) ? ms : ms > 0 ? DBL_MAX : 0);
}

json_object *
result_build(const struct run_outcome *o, const struct request *r)
{
	json_object *res = json_object_new_object(), *rep = o->report, *tests;
	const char *status;

	if (!res)
		return NULL;
	if (o->timed_out)
		status = "timeout";
	else if (o->output_over)
		status = "output_limit";
	else if (rep)
		status = json_object_get_string(get(rep, "status"));
	else if (o->oom_killed)
		status = "memory_limit";
	else
		status = "error";

	tests = get(rep, "tests");
	json_object_object_add(res, "status", json_object_new_string(status));
	if (r->cases) {
		json_object *cases = get(rep, "cases");

		json_object_object_add(res, "summary", case_summary(cases));
		json_object_object_add(res, "cases",
				       cases ? json_object_get(cases)
					     : json_object_new_array());
	} else {
		json_object_object_add(res, "summary", summary(tests));
	}
	json_object_object_add(res, "tests",
			       tests ? json_object_get(tests)
				     : json_object_new_array());
	if (get(rep, "error"))
		json_object_object_add(res, "error",
				       json_object_get(get(rep, "error")));
	else if (!rep && strcmp(status, "error") == 0)
		json_object_object_add(res, "error", no_report_error(o));
	json_object_object_add(res, "stdout",
			       rep ? json_object_get(get(rep, "stdout"))
				   : json_object_new_string(""));
	json_object_object_add(res, "stdout_truncated",
			       json_object_new_boolean(json_object_get_boolean(
				       get(rep, "stdout_truncated"))));
	json_object_object_add(res, "stderr",
			       rep ? json_object_get(get(rep, "stderr"))
				   : json_object_new_string(""));
	json_object_object_add(res, "stderr_truncated",
			       json_object_new_boolean(json_object_get_boolean(
				       get(rep, "stderr_truncated"))));
	json_object_object_add(res, "duration_ms", duration(o->duration_ms));
	json_object_object_add(res, "exit_code", exit_code(o));
	json_object_object_add(res, "oom_killed",
			       json_object_new_boolean(o->oom_killed));
	/* The harness's word on the mode it judged in, else the request's. */
	json_object_object_add(
		res, "isolation",
		get(rep, "isolation")
			? json_object_get(get(rep, "isolation"))
			: json_object_new_string(
				  request_isolation_name(r->isolation)));
	return res;
}

/* Sum of the tests' durations: a batch element's own run time. Each is
 * finite (harness_report saw to it), the sum saturates. */
static double
tests_time(json_object *rep)
{
	json_object *tests = get(rep, "tests");
	size_t i, n = tests ? json_object_array_length(tests) : 0;
	double t = 0;

	for (i = 0; i < n; i++)
		t += json_object_get_double(get(
			json_object_array_get_idx(tests, i), "duration_ms"));
	return isfinite(t) ? t : t > 0 ? DBL_MAX : 0;
}

json_object *
result_build_batch(const struct run_outcome *o, const struct request_set *rs)
{
	size_t n = rs->n;
	json_object *res = json_object_new_object();
	json_object *list = json_object_new_array_ext((int)n);
	size_t i;

	if (!res || !list) {
		json_object_put(res);
		json_object_put(list);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct run_outcome one = *o;
		json_object *v;

		one.report = o->report ? json_object_array_get_idx(o->report, i)
				       : NULL;
		if (one.report) {
			one.duration_ms = tests_time(one.report);
			one.oom_killed =
				json_object_object_get_ex(one.report,
							  "oom_killed", &v) &&
				json_object_get_boolean(v);
		}
		v = result_build(&one, &rs->items[i]);
		if (!v) {
			json_object_put(list);
			json_object_put(res);
			return NULL;
		}
		json_object_array_add(list, v);
	}
	json_object_object_add(res, "results", list);
	return res;
}

json_object *
result_error(const char *code, const char *message)
{
	json_object *res = json_object_new_object();
	json_object *e = json_object_new_object();
	size_t n = strlen(message);
	const char *text = message;
	char *q = NULL;

	/* Every echo of client text is quoted where it is made; this catches
	 * any other text (an engine's answer, say) that is not UTF-8. Each
	 * byte takes at most 4 quoted. */
	if (!utf8_valid(message, n)) {
		q = malloc(4 * n + 8);
		text = q ? utf8_quote(q, 4 * n + 8, message, n)
			 : "(a message that is not UTF-8)";
	}
	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(text));
	json_object_object_add(res, "error", e);
	free(q);
	return res;
}
