#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/b64.h"
#include "llsr/request.h"
#include "llsr/utf8.h"

#define MIN_TIMEOUT_MS	100
#define MIN_MEMORY_MB	16
#define MAX_ENTRY_POINT 128
/* Room for a quoted echo of client text: 64 bytes of it at most, or 16
 * characters escaped as \xNN, plus "..." (see utf8_quote). */
#define ECHO_SIZE 72

static const char *const known_fields[] = {"code",
					   "tests",
					   "language",
					   "entry_point",
					   "stdin",
					   "timeout_ms",
					   "memory_mb",
					   "test_timeout_ms",
					   "stop_on_first_failure",
					   "isolation",
					   "cases",
					   "compare",
					   "abs_tol",
					   "rel_tol",
					   "case_timeout_ms",
					   "case_output_limit",
					   "checker",
					   "checker_timeout_ms",
					   "checker_memory_mb",
					   "checker_output_limit",
					   NULL};

/* Longest name of a case, in bytes. */
#define MAX_CASE_NAME 256

static const char *const compare_names[] = {
	[REQUEST_COMPARE_LINES] = "lines",
	[REQUEST_COMPARE_EXACT] = "exact",
	[REQUEST_COMPARE_TOKENS] = "tokens",
	[REQUEST_COMPARE_FLOAT] = "float",
	[REQUEST_COMPARE_CHECKER] = "checker",
};

const char *
request_compare_name(enum request_compare c)
{
	return c >= REQUEST_COMPARE_LINES && c <= REQUEST_COMPARE_CHECKER
		       ? compare_names[c]
		       : compare_names[REQUEST_COMPARE_LINES];
}

static const char *const isolation_names[] = {
	[REQUEST_ISOLATION_PROCESS] = "process",
	[REQUEST_ISOLATION_IN_PROCESS] = "in_process",
};

const char *
request_isolation_name(enum request_isolation iso)
{
	return iso == REQUEST_ISOLATION_IN_PROCESS
		       ? isolation_names[REQUEST_ISOLATION_IN_PROCESS]
		       : isolation_names[REQUEST_ISOLATION_PROCESS];
}

/* Reads the optional field 'isolation' (null is the default, as for every
 * optional field). */
static int
isolation_field(json_object *obj, enum request_isolation *iso,
		struct llsr_err *e)
{
	json_object *v;
	const char *s = NULL;
	size_t len = 0;
	int i;

	*iso = REQUEST_ISOLATION_PROCESS;
	if (!json_object_object_get_ex(obj, "isolation", &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
	}
	for (i = REQUEST_ISOLATION_PROCESS;
	     s && i <= REQUEST_ISOLATION_IN_PROCESS; i++) {
		/* The length too: a NUL inside the string ends strcmp. */
		if (len == strlen(isolation_names[i]) &&
		    memcmp(s, isolation_names[i], len) == 0) {
			*iso = (enum request_isolation)i;
			return 0;
		}
	}
	return err_set(e, 400, "invalid_field",
		       "field 'isolation' must be \"process\" or "
		       "\"in_process\"");
}

/* Decodes the base64 string field `name` of obj into a fresh NUL-terminated
 * buffer. A missing or null field gives "" unless required. */
static int
decode_field(json_object *obj, const char *name, int required,
	     unsigned char **out, size_t *outlen, struct llsr_err *e)
{
	json_object *v;
	const char *s;
	size_t slen, off;
	unsigned char *p;

	if (!json_object_object_get_ex(obj, name, &v) || !v) {
		if (required)
			return err_set(e, 400, "missing_field",
				       "field '%s' is required", name);
		p = malloc(1);
		if (!p)
			return err_set(e, 500, "internal_error",
				       "out of memory");
		p[0] = '\0';
		*out = p;
		*outlen = 0;
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be a base64 string", name);
	s = json_object_get_string(v);
	slen = (size_t)json_object_get_string_len(v);
	p = malloc(b64_decoded_max(slen) + 1);
	if (!p)
		return err_set(e, 500, "internal_error", "out of memory");
	if (b64_decode(s, slen, p, outlen, &off) < 0) {
		free(p);
		return err_set(
			e, 400, "invalid_base64",
			"field '%s' is not valid base64 at byte offset %zu",
			name, off);
	}
	p[*outlen] = '\0';
	*out = p;
	return 0;
}

/* Checks the base64 string field `name` of the case obj (where: "cases[i]")
 * and that it decodes to at most cap bytes; on success *out is a copy of
 * its text (caller frees). A missing or null field is "" unless
 * required. */
static int
case_b64(json_object *obj, const char *where, const char *name, int required,
	 long cap, char **out, struct llsr_err *e)
{
	json_object *v;
	const char *s = "";
	size_t slen = 0, n, off;
	unsigned char *p;

	if (json_object_object_get_ex(obj, name, &v) && v) {
		if (!json_object_is_type(v, json_type_string))
			return err_set(e, 400, "invalid_field",
				       "field '%s.%s' must be a base64 string",
				       where, name);
		s = json_object_get_string(v);
		slen = (size_t)json_object_get_string_len(v);
	} else if (required) {
		return err_set(e, 400, "missing_field",
			       "field '%s.%s' is required", where, name);
	}
	/* The cap before the allocation: 4 characters give 3 bytes. */
	if (slen / 4 * 3 > (size_t)cap + 3)
		return err_set(e, 400, "invalid_field",
			       "field '%s.%s' is over the limit of %ld bytes",
			       where, name, cap);
	p = malloc(b64_decoded_max(slen) + 1);
	if (!p)
		return err_set(e, 500, "internal_error", "out of memory");
	if (b64_decode(s, slen, p, &n, &off) < 0) {
		free(p);
		return err_set(
			e, 400, "invalid_base64",
			"field '%s.%s' is not valid base64 at byte offset %zu",
			where, name, off);
	}
	free(p);
	if (n > (size_t)cap)
		return err_set(e, 400, "invalid_field",
			       "field '%s.%s' is over the limit of %ld bytes",
			       where, name, cap);
	*out = strndup(s, slen);
	if (!*out)
		return err_set(e, 500, "internal_error", "out of memory");
	return 0;
}

/* One element of "cases": {"name"?, "stdin"?, "expected_stdout"}. */
static int
parse_case(struct request_case *c, json_object *obj, size_t i,
	   const struct config *cfg, struct llsr_err *e)
{
	char where[32];
	json_object *v;

	snprintf(where, sizeof(where), "cases[%zu]", i);
	if (!json_object_is_type(obj, json_type_object))
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be an object", where);
	json_object_object_foreach (obj, key, val) {
		char q[ECHO_SIZE];

		(void)val;
		if (strcmp(key, "name") != 0 && strcmp(key, "stdin") != 0 &&
		    strcmp(key, "expected_stdout") != 0)
			return err_set(
				e, 400, "invalid_field",
				"unknown field '%s' in %s",
				utf8_quote(q, sizeof(q), key, strlen(key)),
				where);
	}
	if (json_object_object_get_ex(obj, "name", &v) && v) {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);

		if (!json_object_is_type(v, json_type_string) ||
		    len > MAX_CASE_NAME || strlen(s) != len ||
		    !utf8_valid(s, len))
			return err_set(e, 400, "invalid_field",
				       "field '%s.name' must be a UTF-8 string "
				       "of at most %d bytes without NUL",
				       where, MAX_CASE_NAME);
		c->name = strdup(s);
		if (!c->name)
			return err_set(e, 500, "internal_error",
				       "out of memory");
	}
	if (case_b64(obj, where, "stdin", 0, cfg->max_case_bytes, &c->stdin_b64,
		     e) < 0 ||
	    case_b64(obj, where, "expected_stdout", 1, cfg->max_case_bytes,
		     &c->expected_b64, e) < 0)
		return -1;
	return 0;
}

/* Reads the optional field 'compare'. */
static int
compare_field(json_object *obj, enum request_compare *cmp, struct llsr_err *e)
{
	json_object *v;
	int i;

	*cmp = REQUEST_COMPARE_LINES;
	if (!json_object_object_get_ex(obj, "compare", &v) || !v)
		return 0;
	for (i = REQUEST_COMPARE_LINES; i <= REQUEST_COMPARE_CHECKER; i++) {
		if (json_object_is_type(v, json_type_string) &&
		    (size_t)json_object_get_string_len(v) ==
			    strlen(compare_names[i]) &&
		    strcmp(json_object_get_string(v), compare_names[i]) == 0) {
			*cmp = (enum request_compare)i;
			return 0;
		}
	}
	return err_set(e, 400, "invalid_field",
		       "field 'compare' must be \"lines\", \"exact\", "
		       "\"tokens\", \"float\" or \"checker\"");
}

/* Reads the optional tolerance `name`: a finite number in [0, 1e300]. */
static int
tol_field(json_object *obj, const char *name, double *val, struct llsr_err *e)
{
	json_object *v;
	double d;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be a number", name);
	d = json_object_get_double(v);
	if (!(d >= 0 && d <= 1e300))
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be between 0 and 1e300", name);
	*val = d;
	return 0;
}

static int int_field(json_object *obj, const char *name, long min, long max,
		     long *val, struct llsr_err *e);

/* The client's checker and its limits: "checker" goes with compare
 * "checker", and compare "checker" needs it. */
static int
checker_fields(struct request *r, json_object *obj, const struct config *cfg,
	       struct llsr_err *e)
{
	static const char *const own[] = {"checker", "checker_timeout_ms",
					  "checker_memory_mb",
					  "checker_output_limit", NULL};
	json_object *v;
	size_t i;

	r->checker_timeout_ms = cfg->checker_timeout_ms;
	r->checker_memory_mb = cfg->checker_memory_mb;
	r->checker_output_limit = cfg->checker_output_bytes;
	if (r->compare != REQUEST_COMPARE_CHECKER) {
		for (i = 0; own[i]; i++)
			if (json_object_object_get_ex(obj, own[i], &v) && v)
				return err_set(
					e, 400, "conflicting_fields",
					"field '%s' needs compare "
					"\"checker\", not \"%s\"",
					own[i],
					request_compare_name(r->compare));
		return 0;
	}
	if (!json_object_object_get_ex(obj, "checker", &v) || !v)
		return err_set(e, 400, "missing_field",
			       "field 'checker' is required with compare "
			       "\"checker\"");
	if (decode_field(obj, "checker", 1, &r->checker, &r->checker_len, e) <
	    0)
		return -1;
	if (r->checker_len == 0)
		return err_set(e, 400, "invalid_field",
			       "field 'checker' must not be empty");
	if (int_field(obj, "checker_timeout_ms", MIN_TIMEOUT_MS,
		      cfg->checker_timeout_ms, &r->checker_timeout_ms, e) < 0 ||
	    int_field(obj, "checker_memory_mb", MIN_MEMORY_MB,
		      cfg->checker_memory_mb, &r->checker_memory_mb, e) < 0 ||
	    int_field(obj, "checker_output_limit", 1, cfg->checker_output_bytes,
		      &r->checker_output_limit, e) < 0)
		return -1;
	return 0;
}

/* The length of list, which must be an array of 1 to max elements (the
 * field's name is also the word for them); 0 with e set otherwise. */
static size_t
array_length(json_object *list, const char *field, long max, struct llsr_err *e)
{
	size_t n;

	if (!json_object_is_type(list, json_type_array)) {
		err_set(e, 400, "invalid_field", "field '%s' must be an array",
			field);
		return 0;
	}
	n = json_object_array_length(list);
	if (n == 0 || n > (size_t)max) {
		err_set(e, 400, "invalid_field",
			"field '%s' must hold 1 to %ld %s, not %zu", field, max,
			field, n);
		return 0;
	}
	return n;
}

/* The program cases of a request and their settings. A request with
 * "cases" runs its code as a program once per case; "tests", "stdin" and
 * "entry_point" mean something else and are refused next to it. */
static int
parse_cases(struct request *r, json_object *obj, const struct config *cfg,
	    struct llsr_err *e)
{
	static const char *const other[] = {"tests", "stdin", "entry_point",
					    NULL};
	static const char *const settings[] = {"compare",
					       "abs_tol",
					       "rel_tol",
					       "case_timeout_ms",
					       "case_output_limit",
					       "checker",
					       "checker_timeout_ms",
					       "checker_memory_mb",
					       "checker_output_limit",
					       NULL};
	json_object *list;
	size_t i, n;

	r->abs_tol = REQUEST_ABS_TOL;
	r->rel_tol = REQUEST_REL_TOL;
	r->case_timeout_ms = cfg->case_timeout_ms;
	r->case_output_limit = cfg->max_case_bytes;
	if (!json_object_object_get_ex(obj, "cases", &list)) {
		for (i = 0; settings[i]; i++)
			if (json_object_object_get_ex(obj, settings[i], NULL))
				return err_set(e, 400, "invalid_field",
					       "field '%s' needs 'cases'",
					       settings[i]);
		return 0;
	}
	for (i = 0; other[i]; i++)
		if (json_object_object_get_ex(obj, other[i], NULL))
			return err_set(e, 400, "conflicting_fields",
				       "fields 'cases' and '%s' cannot be "
				       "used together",
				       other[i]);
	if ((n = array_length(list, "cases", cfg->max_cases, e)) == 0)
		return -1;
	r->cases = calloc(n, sizeof(*r->cases));
	if (!r->cases)
		return err_set(e, 500, "internal_error", "out of memory");
	for (i = 0; i < n; i++) {
		r->ncases = i + 1;
		if (parse_case(&r->cases[i], json_object_array_get_idx(list, i),
			       i, cfg, e) < 0)
			return -1;
	}
	if (compare_field(obj, &r->compare, e) < 0 ||
	    tol_field(obj, "abs_tol", &r->abs_tol, e) < 0 ||
	    tol_field(obj, "rel_tol", &r->rel_tol, e) < 0 ||
	    int_field(obj, "case_timeout_ms", MIN_TIMEOUT_MS,
		      cfg->case_timeout_ms, &r->case_timeout_ms, e) < 0 ||
	    int_field(obj, "case_output_limit", 1, cfg->max_case_bytes,
		      &r->case_output_limit, e) < 0 ||
	    checker_fields(r, obj, cfg, e) < 0)
		return -1;
	return 0;
}

/* Reads the optional integer field `name` into *val when present, checking
 * [min, max]. */
static int
int_field(json_object *obj, const char *name, long min, long max, long *val,
	  struct llsr_err *e)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(obj, name, &v) || !v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be an integer", name);
	n = json_object_get_int64(v);
	if (n < min || n > max)
		return err_set(e, 400, "invalid_field",
			       "field '%s' must be between %ld and %ld", name,
			       min, max);
	*val = (long)n;
	return 0;
}

static int
valid_identifier(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > MAX_ENTRY_POINT)
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '_';
		if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
			return 0;
	}
	return 1;
}

static int
check_fields(json_object *obj, struct llsr_err *e)
{
	json_object_object_foreach (obj, key, val) {
		size_t i;

		(void)val;
		for (i = 0; known_fields[i]; i++)
			if (strcmp(key, known_fields[i]) == 0)
				break;
		if (!known_fields[i]) {
			char q[ECHO_SIZE];

			return err_set(
				e, 400, "invalid_field", "unknown field '%s'",
				utf8_quote(q, sizeof(q), key, strlen(key)));
		}
	}
	return 0;
}

static int
parse_object(struct request *r, json_object *obj, const struct config *cfg,
	     struct llsr_err *e)
{
	json_object *v;

	if (check_fields(obj, e) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "language", &v) && v) {
		const char *lang;
		size_t len;
		char q[ECHO_SIZE];

		if (!json_object_is_type(v, json_type_string))
			return err_set(e, 400, "invalid_field",
				       "field 'language' must be a string");
		lang = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		/* strcmp would stop at a NUL: "python\u0000..." is no name. */
		if (strlen(lang) != len)
			return err_set(e, 400, "invalid_field",
				       "field 'language' holds a NUL character "
				       "('%s')",
				       utf8_quote(q, sizeof(q), lang, len));
		if (strcmp(lang, "python") != 0 && strcmp(lang, "python3") != 0)
			return err_set(e, 400, "unsupported_language",
				       "language '%s' is not supported; "
				       "supported: python",
				       utf8_quote(q, sizeof(q), lang, len));
	}
	if (decode_field(obj, "code", 1, &r->code, &r->code_len, e) < 0 ||
	    decode_field(obj, "tests", 0, &r->tests, &r->tests_len, e) < 0 ||
	    decode_field(obj, "stdin", 0, &r->stdin_data, &r->stdin_len, e) < 0)
		return -1;
	if (json_object_object_get_ex(obj, "entry_point", &v) && v) {
		if (!json_object_is_type(v, json_type_string) ||
		    !valid_identifier(json_object_get_string(v),
				      (size_t)json_object_get_string_len(v)))
			return err_set(e, 400, "invalid_field",
				       "field 'entry_point' must be a Python "
				       "identifier of at most %d characters",
				       MAX_ENTRY_POINT);
		r->entry_point = strdup(json_object_get_string(v));
		if (!r->entry_point)
			return err_set(e, 500, "internal_error",
				       "out of memory");
	}
	r->timeout_ms = cfg->timeout_ms;
	r->memory_mb = cfg->memory_mb;
	if (int_field(obj, "timeout_ms", MIN_TIMEOUT_MS, cfg->timeout_ms,
		      &r->timeout_ms, e) < 0 ||
	    int_field(obj, "memory_mb", MIN_MEMORY_MB, cfg->memory_mb,
		      &r->memory_mb, e) < 0)
		return -1;
	r->test_timeout_ms = r->timeout_ms;
	if (int_field(obj, "test_timeout_ms", MIN_TIMEOUT_MS, cfg->timeout_ms,
		      &r->test_timeout_ms, e) < 0)
		return -1;
	if (r->test_timeout_ms > r->timeout_ms)
		r->test_timeout_ms = r->timeout_ms;
	if (json_object_object_get_ex(obj, "stop_on_first_failure", &v) && v) {
		if (!json_object_is_type(v, json_type_boolean))
			return err_set(e, 400, "invalid_field",
				       "field 'stop_on_first_failure' must be "
				       "true or false");
		r->stop_on_first_failure = json_object_get_boolean(v);
	}
	if (isolation_field(obj, &r->isolation, e) < 0)
		return -1;
	/* "tests": "" or null is a test run that may find no tests; only a
	 * request without the key is a program. */
	r->program = !json_object_object_get_ex(obj, "tests", NULL) &&
		     !r->entry_point;
	return parse_cases(r, obj, cfg, e);
}

/* 1 when body[0..end) holds one complete JSON value followed only by
 * white space: an error at end is then trailing data after the value. */
static int
complete_before(const char *body, size_t end)
{
	json_tokener *tok = json_tokener_new_ex(REQUEST_MAX_DEPTH);
	json_object *obj;
	size_t stop;
	int done = 0;

	if (!tok)
		return 0;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int)end);
	if (!obj) /* a value that needs a terminator, e.g. a number */
		obj = json_tokener_parse_ex(tok, "", -1);
	stop = json_tokener_get_parse_end(tok);
	if (obj && json_tokener_get_error(tok) == json_tokener_success) {
		while (stop < end && strchr(" \t\r\n", body[stop]) &&
		       body[stop])
			stop++;
		done = stop >= end;
	}
	json_object_put(obj);
	json_tokener_free(tok);
	return done;
}

/* 1 when an object key in body[0..len), valid JSON, holds an escaped NUL
 * (\u0000); *at is then the key's byte offset. json-c keeps keys as C
 * strings: {"code\u0000x": ...} would be read as "code", and two such keys
 * as duplicates. */
static int
key_with_nul(const char *body, size_t len, size_t *at)
{
	size_t i = 0, start, j;
	int nul;

	while (i < len) {
		if (body[i] != '"') {
			i++;
			continue;
		}
		start = i++;
		nul = 0;
		while (i < len && body[i] != '"') {
			if (body[i] != '\\') {
				i++;
				continue;
			}
			if (i + 5 < len && body[i + 1] == 'u' &&
			    memcmp(body + i + 2, "0000", 4) == 0)
				nul = 1;
			i += 2; /* the escape's second byte is never the end */
		}
		i++;
		if (!nul)
			continue;
		for (j = i; j < len && strchr(" \t\r\n", body[j]) && body[j];)
			j++;
		if (j < len && body[j] == ':') {
			*at = start;
			return 1;
		}
	}
	return 0;
}

/* Parses body as one JSON object; NULL with e set when it is not one. */
static json_object *
parse_body(const char *body, size_t len, struct llsr_err *e)
{
	json_tokener *tok;
	json_object *obj = NULL;
	enum json_tokener_error jerr;
	size_t end;

	if (len > INT32_MAX) {
		err_set(e, 400, "invalid_json", "body too large");
		return NULL;
	}
	tok = json_tokener_new_ex(REQUEST_MAX_DEPTH);
	if (!tok) {
		err_set(e, 500, "internal_error", "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!obj || jerr != json_tokener_success) {
		if (jerr == json_tokener_continue)
			err_set(e, 400, "invalid_json",
				"body is not valid JSON: unexpected end of input");
		else if (end > 0 && complete_before(body, end))
			err_set(e, 400, "invalid_json",
				"body is not valid JSON: trailing data at byte "
				"offset %zu",
				end);
		else
			err_set(e, 400, "invalid_json",
				"body is not valid JSON at byte offset %zu: %s",
				end, json_tokener_error_desc(jerr));
		goto fail;
	}
	while (end < len && strchr(" \t\r\n", body[end]) && body[end])
		end++;
	if (end != len) {
		err_set(e, 400, "invalid_json",
			"body is not valid JSON: trailing data at byte offset %zu",
			end);
		goto fail;
	}
	if (!json_object_is_type(obj, json_type_object)) {
		err_set(e, 400, "invalid_json", "body must be a JSON object");
		goto fail;
	}
	if (key_with_nul(body, len, &end)) {
		err_set(e, 400, "invalid_field",
			"the field name at byte offset %zu holds a NUL "
			"character (\\u0000)",
			end);
		goto fail;
	}
	json_tokener_free(tok);
	return obj;
fail:
	json_object_put(obj);
	json_tokener_free(tok);
	return NULL;
}

/* Fair shares: a batch's cost is the sum of its submissions' timeout_ms,
 * the submission-time it can hold a worker for. It must not be over the
 * server's max_batch_cost_ms, nor over the client's own max_cost_ms (1 to
 * the server's), so that a small body cannot buy minutes of a worker. */
static int
batch_cost(const struct request_set *rs, json_object *obj,
	   const struct config *cfg, struct llsr_err *e)
{
	long cap = cfg->max_batch_cost_ms, cost = 0;
	size_t i;

	if (int_field(obj, "max_cost_ms", 1, cfg->max_batch_cost_ms, &cap, e) <
	    0)
		return -1;
	for (i = 0; i < rs->n; i++)
		cost += rs->items[i].timeout_ms; /* <= 10000 * 600000 */
	if (cost <= cap)
		return 0;
	err_set(e, 400, "batch_too_costly",
		"the batch costs %ld ms (the sum of its %zu submissions' "
		"timeout_ms), over the limit of %ld ms (%s); lower timeout_ms "
		"or split the batch",
		cost, rs->n, cap,
		cap < cfg->max_batch_cost_ms
			? "the request's max_cost_ms"
			: "the server's max_batch_cost_ms");
	e->cost_ms = cost;
	e->max_cost_ms = cap;
	return -1;
}

static int
parse_batch(struct request_set *rs, json_object *obj, const struct config *cfg,
	    struct llsr_err *e)
{
	json_object *list;
	size_t i, n;

	json_object_object_foreach (obj, key, val) {
		char q[ECHO_SIZE];

		(void)val;
		if (strcmp(key, "submissions") != 0 &&
		    strcmp(key, "max_cost_ms") != 0)
			return err_set(
				e, 400, "invalid_field",
				"unknown field '%s' next to "
				"'submissions'",
				utf8_quote(q, sizeof(q), key, strlen(key)));
	}
	list = json_object_object_get(obj, "submissions");
	if ((n = array_length(list, "submissions", cfg->max_batch, e)) == 0)
		return -1;
	rs->items = calloc(n, sizeof(*rs->items));
	if (!rs->items)
		return err_set(e, 500, "internal_error", "out of memory");
	rs->batch = 1;
	for (i = 0; i < n; i++) {
		json_object *el = json_object_array_get_idx(list, i);
		char msg[sizeof(e->message)];
		size_t k, room, mlen;

		if (!json_object_is_type(el, json_type_object))
			err_set(e, 400, "invalid_field", "must be an object");
		else if (json_object_object_get_ex(el, "cases", NULL))
			err_set(e, 400, "invalid_field",
				"'cases' is not supported in a batch yet");
		else if (parse_object(&rs->items[i], el, cfg, e) == 0) {
			rs->n = i + 1;
			continue;
		}
		rs->n = i + 1;
		/* The prefix may push the tail out: cut it at a character. */
		k = (size_t)snprintf(msg, sizeof(msg), "submissions[%zu]: ", i);
		room = sizeof(msg) - k - 1;
		mlen = strlen(e->message);
		memcpy(msg + k, e->message, mlen < room ? mlen : room);
		msg[k + (mlen < room ? mlen : room)] = '\0';
		if (mlen > room)
			utf8_trim(msg);
		memcpy(e->message, msg, sizeof(msg));
		e->index = (long)i;
		return -1;
	}
	return batch_cost(rs, obj, cfg, e);
}

int
request_parse_set(struct request_set *rs, const char *body, size_t len,
		  const struct config *cfg, struct llsr_err *e)
{
	json_object *obj;
	int rc;

	memset(rs, 0, sizeof(*rs));
	obj = parse_body(body, len, e);
	if (!obj)
		return -1;
	if (json_object_object_get_ex(obj, "submissions", NULL)) {
		rc = parse_batch(rs, obj, cfg, e);
	} else {
		rs->items = calloc(1, sizeof(*rs->items));
		rc = rs->items ? parse_object(rs->items, obj, cfg, e)
			       : err_set(e, 500, "internal_error",
					 "out of memory");
		rs->n = rs->items ? 1 : 0;
	}
	json_object_put(obj);
	if (rc < 0)
		request_set_release(rs);
	return rc;
}

void
request_set_release(struct request_set *rs)
{
	size_t i;

	if (!rs)
		return;
	for (i = 0; i < rs->n; i++)
		request_release(&rs->items[i]);
	free(rs->items);
	memset(rs, 0, sizeof(*rs));
}

void
request_release(struct request *r)
{
	size_t i;

	if (!r)
		return;
	free(r->code);
	free(r->tests);
	free(r->stdin_data);
	free(r->entry_point);
	for (i = 0; i < r->ncases; i++) {
		free(r->cases[i].name);
		free(r->cases[i].stdin_b64);
		free(r->cases[i].expected_b64);
	}
	free(r->cases);
	free(r->checker);
	memset(r, 0, sizeof(*r));
}
