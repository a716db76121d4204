#include "config.h"

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
	json_object_object_add(job, "output_limit",
			       json_object_new_int64(cfg->output_limit_bytes));
	json_object_object_add(
		job, "stop_on_first_failure",
		json_object_new_boolean(r->stop_on_first_failure));
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
	json_object_object_add(frame, "batch", list);
	list = NULL;
	rc = append_frame(frame, out);
out:
	json_object_put(list);
	json_object_put(frame);
	return rc;
}

/* ---- report validation ---- */

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

/* Copies the listed fields of src into a new object, checking each. A
 * missing optional field is copied as null (strings, ints) or left out. */
static json_object *
copy_fields(json_object *src, const struct field *f)
{
	json_object *dst;

	if (!json_object_is_type(src, json_type_object))
		return NULL;
	dst = json_object_new_object();
	for (; dst && f->name; f++) {
		json_object *v = NULL;
		int have = json_object_object_get_ex(src, f->name, &v);

		if (!have && f->required)
			goto bad;
		if (!have && (f->kind == K_NUM || f->kind == K_BOOL))
			continue;
		if (!kind_ok(v, f->kind))
			goto bad;
		json_object_object_add(dst, f->name, json_object_get(v));
	}
	return dst;
bad:
	json_object_put(dst);
	return NULL;
}

static int
one_of(json_object *v, const char *const *set)
{
	const char *s = json_object_get_string(v);

	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const run_statuses[] = {
	"passed",	"failed",	"error", "timeout",
	"memory_limit", "output_limit", NULL};
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
static const struct field error_fields[] = {{"type", K_STR, 1},
					    {"message", K_STR, 1},
					    {"line", K_INT_NULL, 0},
					    {"traceback", K_STR_NULL, 0},
					    {NULL, K_STR, 0}};

static json_object *
validate(json_object *src)
{
	json_object *dst, *v, *tests, *list;
	size_t i, n;

	dst = copy_fields(src, report_fields);
	if (!dst)
		return NULL;
	if (!json_object_object_get_ex(dst, "status", &v) ||
	    !one_of(v, run_statuses))
		goto bad;
	if (!json_object_object_get_ex(src, "tests", &tests) ||
	    !json_object_is_type(tests, json_type_array))
		goto bad;
	n = json_object_array_length(tests);
	list = json_object_new_array_ext((int)n);
	json_object_object_add(dst, "tests", list);
	for (i = 0; i < n; i++) {
		json_object *t = copy_fields(
			json_object_array_get_idx(tests, i), test_fields);

		if (!t)
			goto bad;
		json_object_array_add(list, t);
		json_object_object_get_ex(t, "status", &v);
		if (!one_of(v, test_statuses))
			goto bad;
	}
	if (json_object_object_get_ex(src, "error", &v) && v) {
		json_object *e = copy_fields(v, error_fields);

		if (!e)
			goto bad;
		json_object_object_add(dst, "error", e);
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

/* Parses one complete JSON value from line[0..len). */
static json_object *
parse_line(const char *line, size_t len)
{
	json_tokener *tok;
	json_object *raw = NULL;

	if (len > INT32_MAX)
		return NULL;
	tok = json_tokener_new_ex(32);
	if (!tok)
		return NULL;
	raw = json_tokener_parse_ex(tok, line, (int)len);
	if (raw && (json_tokener_get_error(tok) != json_tokener_success ||
		    json_tokener_get_parse_end(tok) != len)) {
		json_object_put(raw);
		raw = NULL;
	}
	json_tokener_free(tok);
	return raw;
}

json_object *
harness_report(const char *out, size_t len, const char *nonce)
{
	size_t line_len = 0;
	const char *line = harness_report_line(out, len, nonce, &line_len);
	json_object *raw, *rep;

	if (!line || !(raw = parse_line(line, line_len)))
		return NULL;
	rep = validate(raw);
	json_object_put(raw);
	return rep;
}

json_object *
harness_report_batch(const char *out, size_t len, const char *nonce, size_t n)
{
	size_t line_len = 0, i;
	const char *line = harness_report_line(out, len, nonce, &line_len);
	json_object *raw, *results, *list = NULL, *one;

	if (!line || !(raw = parse_line(line, line_len)))
		return NULL;
	list = json_object_new_array_ext((int)n);
	if (!list)
		goto fail;
	if (json_object_object_get_ex(raw, "results", &results)) {
		if (!json_object_is_type(results, json_type_array) ||
		    json_object_array_length(results) != n)
			goto fail;
		for (i = 0; i < n; i++) {
			one = validate(json_object_array_get_idx(results, i));
			if (!one)
				goto fail;
			json_object_array_add(list, one);
		}
	} else {
		/* The harness refused the frame: that answer is everyone's. */
		one = validate(raw);
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
