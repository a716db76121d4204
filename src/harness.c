#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <json-c/json.h>

#include "llsr/b64.h"
#include "llsr/harness.h"

int
harness_nonce(char *nonce)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[HARNESS_NONCE_LEN / 2];
	size_t i;

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (i = 0; i < sizeof(raw); i++) {
		nonce[2 * i] = hex[raw[i] >> 4];
		nonce[2 * i + 1] = hex[raw[i] & 15];
	}
	nonce[HARNESS_NONCE_LEN] = '\0';
	return 0;
}

long
harness_wall_ms(long cpu_ms)
{
	return cpu_ms * HARNESS_WALL_FACTOR + HARNESS_WALL_EXTRA_MS;
}

long
harness_run_ms(long cpu_ms)
{
	return harness_wall_ms(cpu_ms) + HARNESS_OVERHEAD_MS;
}

static json_object *
b64_string(const unsigned char *p, size_t n)
{
	char *s = malloc(b64_encoded_len(n) + 1);
	json_object *o;

	if (!s)
		return NULL;
	b64_encode(p, n, s);
	o = json_object_new_string(s);
	free(s);
	return o;
}

/* A double spelt in full: the service prints doubles with 3 decimals
 * (main.c), which would make a tolerance of 1e-6 zero. */
static json_object *
full_double(double d)
{
	char text[32];

	snprintf(text, sizeof(text), "%.17g", d);
	return json_object_new_double_s(d, text);
}

/* Adds the program cases of r and their settings to job. */
static void
add_cases(json_object *job, const struct request *r, const struct config *cfg)
{
	json_object *list = json_object_new_array_ext((int)r->ncases);
	long parallel = (long)(cfg->cpus + 0.999);
	size_t i;

	for (i = 0; list && i < r->ncases; i++) {
		json_object *c = json_object_new_object();

		if (!c)
			break;
		json_object_object_add(
			c, "name",
			r->cases[i].name
				? json_object_new_string(r->cases[i].name)
				: NULL);
		json_object_object_add(
			c, "stdin",
			json_object_new_string(r->cases[i].stdin_b64));
		json_object_object_add(
			c, "expected_stdout",
			json_object_new_string(r->cases[i].expected_b64));
		json_object_array_add(list, c);
	}
	json_object_object_add(job, "cases", list);
	json_object_object_add(
		job, "compare",
		json_object_new_string(request_compare_name(r->compare)));
	json_object_object_add(job, "abs_tol", full_double(r->abs_tol));
	json_object_object_add(job, "rel_tol", full_double(r->rel_tol));
	json_object_object_add(job, "case_timeout_ms",
			       json_object_new_int64(r->case_timeout_ms));
	json_object_object_add(
		job, "case_wall_ms",
		json_object_new_int64(harness_wall_ms(r->case_timeout_ms)));
	json_object_object_add(job, "case_output_limit",
			       json_object_new_int64(r->case_output_limit));
	json_object_object_add(
		job, "parallel",
		json_object_new_int64(parallel < 1 ? 1 : parallel));
	if (!r->checker)
		return;
	json_object_object_add(job, "checker",
			       b64_string(r->checker, r->checker_len));
	json_object_object_add(job, "checker_timeout_ms",
			       json_object_new_int64(r->checker_timeout_ms));
	json_object_object_add(
		job, "checker_wall_ms",
		json_object_new_int64(harness_wall_ms(r->checker_timeout_ms)));
	json_object_object_add(job, "checker_memory_mb",
			       json_object_new_int64(r->checker_memory_mb));
	json_object_object_add(job, "checker_output_limit",
			       json_object_new_int64(r->checker_output_limit));
}

/* The job object of one submission (the single frame's keys). */
static json_object *
job_object(const struct request *r, const struct config *cfg)
{
	json_object *job = json_object_new_object();

	if (!job)
		return NULL;
	json_object_object_add(job, "code", b64_string(r->code, r->code_len));
	json_object_object_add(job, "tests",
			       b64_string(r->tests, r->tests_len));
	json_object_object_add(job, "stdin",
			       b64_string(r->stdin_data, r->stdin_len));
	json_object_object_add(
		job, "entry_point",
		r->entry_point ? json_object_new_string(r->entry_point) : NULL);
	json_object_object_add(job, "timeout_ms",
			       json_object_new_int64(r->timeout_ms));
	json_object_object_add(job, "test_timeout_ms",
			       json_object_new_int64(r->test_timeout_ms));
	json_object_object_add(
		job, "wall_ms",
		json_object_new_int64(harness_wall_ms(r->timeout_ms)));
	json_object_object_add(
		job, "test_wall_ms",
		json_object_new_int64(harness_wall_ms(r->test_timeout_ms)));
	json_object_object_add(job, "overhead_ms",
			       json_object_new_int64(HARNESS_OVERHEAD_MS));
	json_object_object_add(job, "output_limit",
			       json_object_new_int64(cfg->output_limit_bytes));
	json_object_object_add(
		job, "stop_on_first_failure",
		json_object_new_boolean(r->stop_on_first_failure));
	json_object_object_add(
		job, "isolation",
		json_object_new_string(request_isolation_name(r->isolation)));
	json_object_object_add(job, "program",
			       json_object_new_boolean(r->program));
	if (r->cases)
		add_cases(job, r, cfg);
	return job;
}

static int
append_frame(json_object *job, struct buf *out)
{
	const char *s;
	size_t len;

	s = json_object_to_json_string_length(job, JSON_C_TO_STRING_PLAIN,
					      &len);
	if (s && buf_printf(out, "LLSR1 %zu\n", len) == 0 &&
	    buf_append(out, s, len) == 0)
		return 0;
	return -1;
}

int
harness_frame(const struct request *r, const struct config *cfg,
	      const char *nonce, struct buf *out)
{
	json_object *job = job_object(r, cfg);
	int rc;

	if (!job)
		return -1;
	json_object_object_add(job, "v", json_object_new_int(1));
	json_object_object_add(job, "nonce", json_object_new_string(nonce));
	json_object_object_add(job, "report_limit",
			       json_object_new_int64(cfg->report_limit_bytes));
	if (r->cases && !config_is_runsc(cfg))
		/* Each case's process gets memory_mb of its own: over it,
		 * malloc fails (a MemoryError, memory_limit) before the
		 * container's limit kills it. */
		json_object_object_add(job, "memory_mb",
				       json_object_new_int64(r->memory_mb));
	if (config_is_runsc(cfg)) {
		/* gVisor: the container's limit kills the whole sandbox, so
		 * each process of the submission gets memory_mb of its own
		 * (RLIMIT_AS: gVisor applies RLIMIT_DATA to brk() only). */
		json_object_object_add(job, "memory_mb",
				       json_object_new_int64(r->memory_mb));
		json_object_object_add(job, "memory_rlimit",
				       json_object_new_string("as"));
	}
	rc = append_frame(job, out);
	json_object_put(job);
	return rc;
}

int
harness_frame_batch(const struct request_set *rs, const char *nonce,
		    long parallel, long report_limit, const struct config *cfg,
		    struct buf *out)
{
	json_object *frame = json_object_new_object();
	json_object *list = json_object_new_array_ext((int)rs->n);
	size_t i;
	int rc = -1;

	if (!frame || !list)
		goto out;
	for (i = 0; i < rs->n; i++) {
		json_object *job = job_object(&rs->items[i], cfg);

		if (!job)
			goto out;
		json_object_object_add(
			job, "memory_mb",
			json_object_new_int64(rs->items[i].memory_mb));
		json_object_array_add(list, job);
	}
	json_object_object_add(frame, "v", json_object_new_int(1));
	json_object_object_add(frame, "nonce", json_object_new_string(nonce));
	json_object_object_add(frame, "report_limit",
			       json_object_new_int64(report_limit));
	json_object_object_add(frame, "parallel",
			       json_object_new_int64(parallel));
	if (config_is_runsc(cfg))
		json_object_object_add(frame, "memory_rlimit",
				       json_object_new_string("as"));
	json_object_object_add(frame, "batch", list);
	list = NULL;
	rc = append_frame(frame, out);
out:
	json_object_put(list);
	json_object_put(frame);
	return rc;
}

/* ---- report validation ---- */

/* Writes why the report was refused into why (size bytes; why can be
 * NULL). Always returns NULL, for "return refuse(...)". */
static json_object *refuse(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static json_object *
refuse(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/* 0 when every number in v is finite; else -1 with the path of the first
 * one that is not (NaN, Infinity, or an overflow such as 1e999, all of
 * which json-c parses) in path. Nesting is bounded by the tokener's
 * depth. */
static int
all_finite(json_object *v, char *path, size_t size, size_t at)
{
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_double:
		return isfinite(json_object_get_double(v)) ? 0 : -1;
	case json_type_array:
		n = json_object_array_length(v);
		for (i = 0; i < n; i++) {
			if (at < size)
				snprintf(path + at, size - at, "[%zu]", i);
			if (all_finite(json_object_array_get_idx(v, i), path,
				       size, at < size ? strlen(path) : at) < 0)
				return -1;
		}
		break;
	case json_type_object: {
		json_object_object_foreach (v, key, val) {
			if (at < size)
				snprintf(path + at, size - at, "%s%.40s",
					 at ? "." : "", key);
			if (all_finite(val, path, size,
				       at < size ? strlen(path) : at) < 0)
				return -1;
		}
		break;
	}
	default: break;
	}
	if (at < size)
		path[at] = '\0';
	return 0;
}

enum kind { K_STR, K_STR_NULL, K_INT, K_INT_NULL, K_NUM, K_BOOL };

static int
kind_ok(json_object *v, enum kind k)
{
	switch (k) {
	case K_STR: return json_object_is_type(v, json_type_string);
	case K_STR_NULL: return !v || json_object_is_type(v, json_type_string);
	case K_INT: return json_object_is_type(v, json_type_int);
	case K_INT_NULL: return !v || json_object_is_type(v, json_type_int);
	case K_NUM:
		return json_object_is_type(v, json_type_int) ||
		       json_object_is_type(v, json_type_double);
	case K_BOOL: return json_object_is_type(v, json_type_boolean);
	}
	return 0;
}

struct field {
	const char *name;
	enum kind kind;
	int required;
};

/* 1 when s is a number as RFC 8259 spells it. */
static int
json_number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (*s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!(*++s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!(*s >= '0' && *s <= '9'))
			return 0;
		while (*s >= '0' && *s <= '9')
			s++;
	}
	return *s == '\0';
}

/* A (finite) number of the report, to be printed as JSON. json-c prints a
 * parsed double in the harness's own spelling, and its parser takes some
 * that are not JSON ("1.", "-01.5"): those are spelt anew. */
static json_object *
json_number(json_object *v)
{
	char text[32];

	if (!json_object_is_type(v, json_type_double) ||
	    json_number_ok(json_object_get_string(v)))
		return json_object_get(v);
	snprintf(text, sizeof(text), "%.17g", json_object_get_double(v));
	return json_object_new_double_s(json_object_get_double(v), text);
}

/* Copies the listed fields of src into a new object, checking each. A
 * missing optional field is copied as null (strings, ints) or left out.
 * Numbers go through json_number. where names src in why. */
static json_object *
copy_fields(json_object *src, const struct field *f, const char *where,
	    char *why, size_t why_size)
{
	json_object *dst;

	if (!json_object_is_type(src, json_type_object))
		return refuse(why, why_size, "%s is not an object", where);
	dst = json_object_new_object();
	for (; dst && f->name; f++) {
		json_object *v = NULL;
		int have = json_object_object_get_ex(src, f->name, &v);

		if (!have && f->required) {
			refuse(why, why_size, "%s has no '%s'", where, f->name);
			goto bad;
		}
		if (!have && (f->kind == K_NUM || f->kind == K_BOOL))
			continue;
		if (!kind_ok(v, f->kind)) {
			refuse(why, why_size, "%s.%s has the wrong type", where,
			       f->name);
			goto bad;
		}
		json_object_object_add(dst, f->name,
				       f->kind == K_NUM ? json_number(v)
							: json_object_get(v));
	}
	return dst;
bad:
	json_object_put(dst);
	return NULL;
}

/* 1 when the string v is one of set; a NUL inside v (JSON can carry one)
 * does not end the comparison. */
static int
one_of(json_object *v, const char *const *set)
{
	const char *s = json_object_get_string(v);
	size_t len = (size_t)json_object_get_string_len(v);

	for (; *set; set++)
		if (len == strlen(*set) && memcmp(s, *set, len) == 0)
			return 1;
	return 0;
}

static const char *const run_statuses[] = {
	"passed",	"failed",	"error",    "timeout",
	"memory_limit", "output_limit", "no_tests", NULL};
static const char *const test_statuses[] = {"passed",  "failed",  "error",
					    "timeout", "not_run", NULL};

static const struct field report_fields[] = {{"status", K_STR, 1},
					     {"stdout", K_STR, 1},
					     {"stderr", K_STR, 1},
					     {"stdout_truncated", K_BOOL, 1},
					     {"stderr_truncated", K_BOOL, 1},
					     {"oom_killed", K_BOOL, 0},
					     {NULL, K_STR, 0}};
static const struct field test_fields[] = {
	{"index", K_INT, 1},	      {"name", K_STR, 1},
	{"line", K_INT_NULL, 0},      {"status", K_STR, 1},
	{"duration_ms", K_NUM, 1},    {"message", K_STR_NULL, 0},
	{"traceback", K_STR_NULL, 0}, {"stdout", K_STR_NULL, 0},
	{"stderr", K_STR_NULL, 0},    {NULL, K_STR, 0}};
static const char *const case_statuses[] = {
	"passed",  "wrong_answer",  "runtime_error",
	"timeout", "memory_limit",  "output_limit",
	"not_run", "checker_error", NULL};
static const struct field case_fields[] = {{"index", K_INT, 1},
					   {"name", K_STR_NULL, 0},
					   {"status", K_STR, 1},
					   {"time_ms", K_NUM, 1},
					   {"wall_ms", K_NUM, 1},
					   {"memory_kb", K_INT_NULL, 0},
					   {"exit_code", K_INT_NULL, 0},
					   {"signal", K_STR_NULL, 0},
					   {"message", K_STR_NULL, 0},
					   {"stderr", K_STR_NULL, 0},
					   {NULL, K_STR, 0}};
static const struct field difference_fields[] = {{"line", K_INT, 1},
						 {"column", K_INT, 1},
						 {"expected", K_STR, 1},
						 {"actual", K_STR, 1},
						 {NULL, K_STR, 0}};
static const struct field error_fields[] = {{"type", K_STR, 1},
					    {"message", K_STR, 1},
					    {"line", K_INT_NULL, 0},
					    {"traceback", K_STR_NULL, 0},
					    {NULL, K_STR, 0}};

/* exit_code is optional: absent (the service's own exit code stands),
 * null (the run was killed), or a process's exit status. */
static int
copy_exit_code(json_object *src, json_object *dst)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(src, "exit_code", &v))
		return 0;
	if (v) {
		if (!json_object_is_type(v, json_type_int))
			return -1;
		n = json_object_get_int64(v);
		if (n < 0 || n > HARNESS_EXIT_CODE_MAX)
			return -1;
	}
	json_object_object_add(dst, "exit_code", json_object_get(v));
	return 0;
}

/* isolation is optional: the mode the harness judged in, which may differ
 * from the one asked for (a solution that carries its own tests). */
static int
copy_isolation(json_object *src, json_object *dst)
{
	static const char *const modes[] = {"process", "in_process", NULL};
	json_object *v;

	if (!json_object_object_get_ex(src, "isolation", &v))
		return 0;
	if (!json_object_is_type(v, json_type_string) || !one_of(v, modes))
		return -1;
	json_object_object_add(dst, "isolation", json_object_get(v));
	return 0;
}

/* Copies one case of the report (where names it), its difference
 * included. */
static json_object *
copy_case(json_object *src, const char *where, char *why, size_t why_size)
{
	json_object *c, *v;
	char at[64];

	c = copy_fields(src, case_fields, where, why, why_size);
	if (!c)
		return NULL;
	json_object_object_get_ex(c, "status", &v);
	if (!one_of(v, case_statuses)) {
		refuse(why, why_size, "%s has an unknown status '%.40s'", where,
		       json_object_get_string(v));
		goto bad;
	}
	if (json_object_object_get_ex(src, "difference", &v) && v) {
		json_object *d;

		snprintf(at, sizeof(at), "%s.difference", where);
		d = copy_fields(v, difference_fields, at, why, why_size);
		if (!d)
			goto bad;
		json_object_object_add(c, "difference", d);
	} else {
		json_object_object_add(c, "difference", NULL);
	}
	return c;
bad:
	json_object_put(c);
	return NULL;
}

/* Copies the report's optional "cases" (a program-cases run). */
static int
copy_cases(json_object *src, json_object *dst, const char *where, char *why,
	   size_t why_size)
{
	json_object *cases, *list;
	size_t i, n;
	char at[48];

	if (!json_object_object_get_ex(src, "cases", &cases))
		return 0;
	if (!json_object_is_type(cases, json_type_array)) {
		refuse(why, why_size, "%s.cases is not a list", where);
		return -1;
	}
	n = json_object_array_length(cases);
	list = json_object_new_array_ext((int)n);
	json_object_object_add(dst, "cases", list);
	for (i = 0; i < n; i++) {
		json_object *c;

		snprintf(at, sizeof(at), "%s.cases[%zu]", where, i);
		c = copy_case(json_object_array_get_idx(cases, i), at, why,
			      why_size);
		if (!c)
			return -1;
		json_object_array_add(list, c);
	}
	return 0;
}

static json_object *
validate(json_object *src, const char *where, char *why, size_t why_size)
{
	json_object *dst, *v, *tests, *list;
	size_t i, n;
	char at[48];

	dst = copy_fields(src, report_fields, where, why, why_size);
	if (!dst)
		return NULL;
	if (!json_object_object_get_ex(dst, "status", &v) ||
	    !one_of(v, run_statuses)) {
		refuse(why, why_size, "%s has an unknown status '%.40s'", where,
		       json_object_get_string(v));
		goto bad;
	}
	if (!json_object_object_get_ex(src, "tests", &tests) ||
	    !json_object_is_type(tests, json_type_array)) {
		refuse(why, why_size, "%s.tests is not a list", where);
		goto bad;
	}
	n = json_object_array_length(tests);
	/* no_tests: the tests were searched and none found. */
	if (n > 0 && strcmp(json_object_get_string(v), "no_tests") == 0) {
		refuse(why, why_size, "%s has status no_tests and %zu tests",
		       where, n);
		goto bad;
	}
	list = json_object_new_array_ext((int)n);
	json_object_object_add(dst, "tests", list);
	for (i = 0; i < n; i++) {
		json_object *t;

		snprintf(at, sizeof(at), "%s.tests[%zu]", where, i);
		t = copy_fields(json_object_array_get_idx(tests, i),
				test_fields, at, why, why_size);
		if (!t)
			goto bad;
		json_object_array_add(list, t);
		json_object_object_get_ex(t, "status", &v);
		if (!one_of(v, test_statuses)) {
			refuse(why, why_size,
			       "%s has an unknown status '%.40s'", at,
			       json_object_get_string(v));
			goto bad;
		}
	}
	if (json_object_object_get_ex(src, "error", &v) && v) {
		json_object *e;

		snprintf(at, sizeof(at), "%s.error", where);
		e = copy_fields(v, error_fields, at, why, why_size);
		if (!e)
			goto bad;
		json_object_object_add(dst, "error", e);
	}
	if (copy_cases(src, dst, where, why, why_size) < 0)
		goto bad;
	if (copy_exit_code(src, dst) < 0) {
		refuse(why, why_size,
		       "%s.exit_code is neither null nor an integer in [0, %d]",
		       where, HARNESS_EXIT_CODE_MAX);
		goto bad;
	}
	if (copy_isolation(src, dst) < 0) {
		refuse(why, why_size,
		       "%s.isolation is neither \"process\" nor \"in_process\"",
		       where);
		goto bad;
	}
	return dst;
bad:
	json_object_put(dst);
	return NULL;
}

const char *
harness_report_line(const char *out, size_t len, const char *nonce,
		    size_t *line_len)
{
	const char *line = NULL, *p = out, *end = out + len;
	size_t nl = strlen(nonce);

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));

		if (!eol)
			break;
		if ((size_t)(eol - p) > nl && memcmp(p, nonce, nl) == 0 &&
		    p[nl] == ' ') {
			line = p + nl + 1;
			*line_len = (size_t)(eol - line);
		}
		p = eol + 1;
	}
	return line;
}

/* Parses one complete JSON value from line[0..len), refusing any
 * non-finite number in it. */
static json_object *
parse_line(const char *line, size_t len, char *why, size_t why_size)
{
	json_tokener *tok;
	json_object *raw = NULL;
	char path[128] = "";

	if (len > INT32_MAX)
		return refuse(why, why_size, "the report line is too long");
	tok = json_tokener_new_ex(32);
	if (!tok)
		return refuse(why, why_size, "out of memory");
	raw = json_tokener_parse_ex(tok, line, (int)len);
	if (!raw || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len) {
		refuse(why, why_size, "the report line is not one JSON value");
		json_object_put(raw);
		raw = NULL;
	} else if (all_finite(raw, path, sizeof(path), 0) < 0) {
		refuse(why, why_size,
		       "a non-finite number (NaN or Infinity) at %s",
		       path[0] ? path : "the top level");
		json_object_put(raw);
		raw = NULL;
	}
	json_tokener_free(tok);
	return raw;
}

json_object *
harness_report(const char *out, size_t len, const char *nonce, char *why,
	       size_t why_size)
{
	size_t line_len = 0;
	const char *line = harness_report_line(out, len, nonce, &line_len);
	json_object *raw, *rep;

	if (why && why_size)
		why[0] = '\0';
	if (!line)
		return NULL;
	raw = parse_line(line, line_len, why, why_size);
	if (!raw)
		return NULL;
	rep = validate(raw, "report", why, why_size);
	json_object_put(raw);
	return rep;
}

json_object *
harness_report_batch(const char *out, size_t len, const char *nonce, size_t n,
		     char *why, size_t why_size)
{
	size_t line_len = 0, i;
	const char *line = harness_report_line(out, len, nonce, &line_len);
	json_object *raw, *results, *list = NULL, *one;
	char where[32];

	if (why && why_size)
		why[0] = '\0';
	if (!line)
		return NULL;
	raw = parse_line(line, line_len, why, why_size);
	if (!raw)
		return NULL;
	list = json_object_new_array_ext((int)n);
	if (!list)
		goto fail;
	if (json_object_object_get_ex(raw, "results", &results)) {
		if (!json_object_is_type(results, json_type_array) ||
		    json_object_array_length(results) != n) {
			refuse(why, why_size,
			       "the report's results are not a list of %zu", n);
			goto fail;
		}
		for (i = 0; i < n; i++) {
			snprintf(where, sizeof(where), "results[%zu]", i);
			one = validate(json_object_array_get_idx(results, i),
				       where, why, why_size);
			if (!one)
				goto fail;
			json_object_array_add(list, one);
		}
	} else {
		/* The harness refused the frame: that answer is everyone's. */
		one = validate(raw, "report", why, why_size);
		if (!one)
			goto fail;
		for (i = 0; i < n; i++)
			json_object_array_add(list,
					      i ? json_object_get(one) : one);
	}
	json_object_put(raw);
	return list;
fail:
	json_object_put(list);
	json_object_put(raw);
	return NULL;
}
