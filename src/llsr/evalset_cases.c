#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "llsr/b64.h"
#include "llsr/buf.h"
#include "llsr/err.h"
#include "llsr/evalset_cases.h"

/* Caps of one problem's generated tests and of a decompressed
 * private_test_cases (LiveCodeBench's largest are tens of MB). */
#define TESTS_MAX  (64u << 20)
#define UNPACK_MAX (256u << 20)

/* The helpers the generated asserts call. A result passes as APPS's and
 * LiveCodeBench's own judges decide (a tuple compares as a list). */
static const char PRELUDE[] =
	"def _llsr_call(*args):\n"
	"    try:\n"
	"        f = getattr(Solution(), _LLSR_FN)\n"
	"    except NameError:\n"
	"        f = eval(_LLSR_FN)\n"
	"    r = f(*args)\n"
	"    return list(r) if isinstance(r, tuple) else r\n"
	"\n"
	"def _llsr_apps_ok(got, expected):\n"
	"    return got == expected or (isinstance(expected, list) and\n"
	"                               len(expected) > 0 and got == expected[0])\n"
	"\n";

int
evalset_cases_detect(json_object *o)
{
	return json_object_object_get_ex(o, "input_output", NULL) ||
	       json_object_object_get_ex(o, "public_test_cases", NULL) ||
	       json_object_object_get_ex(o, "private_test_cases", NULL);
}

/* The member key of o, parsed when it is a JSON string (the datasets store
 * their structures as JSON text). Caller puts; NULL: absent, null or "".
 * *bad set when it is unparseable. */
static json_object *
member_json(json_object *o, const char *key, int *bad)
{
	json_object *v, *parsed;
	const char *s;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		return json_object_get(v);
	s = json_object_get_string(v);
	if (!*s)
		return NULL;
	parsed = json_tokener_parse(s);
	if (!parsed)
		*bad = 1;
	return parsed;
}

/* A Python literal of JSON value v (null, true and false as None, True and
 * False; strings in JSON's escapes, which Python reads alike once "/" is
 * not escaped). */
static int
append_literal(struct buf *b, json_object *v)
{
	size_t i, n;
	int first = 1;

	if (!v)
		return buf_append(b, "None", 4);
	switch (json_object_get_type(v)) {
	case json_type_boolean:
		return json_object_get_boolean(v) ? buf_append(b, "True", 4)
						  : buf_append(b, "False", 5);
	case json_type_array:
		n = json_object_array_length(v);
		if (buf_append(b, "[", 1) < 0)
			return -1;
		for (i = 0; i < n; i++)
			if ((i && buf_append(b, ", ", 2) < 0) ||
			    append_literal(b, json_object_array_get_idx(v, i)) <
				    0)
				return -1;
		return buf_append(b, "]", 1);
	case json_type_object: {
		if (buf_append(b, "{", 1) < 0)
			return -1;
		json_object_object_foreach (v, key, val) {
			json_object *k = json_object_new_string(key);
			const char *t;
			int rc;

			if (!k)
				return -1;
			t = json_object_to_json_string_ext(
				k, JSON_C_TO_STRING_NOSLASHESCAPE);
			rc = buf_printf(b, "%s%s: ", first ? "" : ", ", t);
			json_object_put(k);
			if (rc < 0 || append_literal(b, val) < 0)
				return -1;
			first = 0;
		}
		return buf_append(b, "}", 1);
	}
	default:
		return buf_printf(b, "%s",
				  json_object_to_json_string_ext(
					  v, JSON_C_TO_STRING_NOSLASHESCAPE));
	}
}

/* A stdin or stdout of APPS: a string, or a list of lines joined by "\n". */
static int
apps_text(json_object *v, struct buf *b)
{
	size_t i, n;

	if (v && json_object_is_type(v, json_type_string))
		return buf_append(b, json_object_get_string(v),
				  (size_t)json_object_get_string_len(v));
	if (!v || !json_object_is_type(v, json_type_array))
		return -1;
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *l = json_object_array_get_idx(v, i);

		if (!l || !json_object_is_type(l, json_type_string) ||
		    (i && buf_append(b, "\n", 1) < 0) ||
		    buf_append(b, json_object_get_string(l),
			       (size_t)json_object_get_string_len(l)) < 0)
			return -1;
	}
	return 0;
}

static int
add_b64(json_object *c, const char *key, const struct buf *b)
{
	char *enc = malloc(b64_encoded_len(b->len) + 1);
	json_object *v;

	if (!enc)
		return -1;
	b64_encode((const unsigned char *)(b->data ? b->data : ""), b->len,
		   enc);
	v = json_object_new_string_len(enc, (int)b64_encoded_len(b->len));
	free(enc);
	if (!v || json_object_object_add(c, key, v) < 0) {
		json_object_put(v);
		return -1;
	}
	return 0;
}

/* Appends the program case (stdin, expected) named name to p->cases. */
static int
add_case(struct evalset_problem *p, const char *name, const struct buf *in,
	 const struct buf *out)
{
	json_object *c = json_object_new_object();

	if (!p->cases)
		p->cases = json_object_new_array();
	if (!c || !p->cases ||
	    json_object_object_add(c, "name", json_object_new_string(name)) <
		    0 ||
	    add_b64(c, "stdin", in) < 0 ||
	    add_b64(c, "expected_stdout", out) < 0 ||
	    json_object_array_add(p->cases, c) < 0) {
		json_object_put(c);
		return -1;
	}
	p->ntests++;
	return 0;
}

/* Parses s as one JSON value (null too: *v NULL). Returns 0, or -1. */
static int
parse_value(const char *s, json_object **v)
{
	enum json_tokener_error e = json_tokener_success;

	*v = json_tokener_parse_verbose(s, &e);
	return e == json_tokener_success ? 0 : -1;
}

/* Whether fn is a Python identifier (ASCII): it is evaluated by name. */
static int
identifier(const char *fn)
{
	const char *c;

	if (!*fn || (*fn >= '0' && *fn <= '9'))
		return 0;
	for (c = fn; *c; c++)
		if (!(*c == '_' || (*c >= 'a' && *c <= 'z') ||
		      (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
			return 0;
	return 1;
}

/* Starts the generated tests of a call-based problem calling fn (an
 * identifier). */
static int
start_calls(struct buf *t, const char *fn)
{
	json_object *s = json_object_new_string(fn);
	int rc;

	if (!s)
		return -1;
	rc = buf_printf(t, "_LLSR_FN = %s\n%s",
			json_object_to_json_string_ext(
				s, JSON_C_TO_STRING_NOSLASHESCAPE),
			PRELUDE);
	json_object_put(s);
	return rc;
}

/* Appends "assert ..." for one call with args (a JSON array) against
 * expected, APPS's way (apps) or LiveCodeBench's. */
static int
add_call(struct evalset_problem *p, struct buf *t, json_object *args,
	 json_object *expected, int apps)
{
	size_t i, n = json_object_array_length(args);

	if (buf_printf(t, "%s",
		       apps ? "assert _llsr_apps_ok(_llsr_call("
			    : "assert _llsr_call(") < 0)
		return -1;
	for (i = 0; i < n; i++)
		if ((i && buf_append(t, ", ", 2) < 0) ||
		    append_literal(t, json_object_array_get_idx(args, i)) < 0)
			return -1;
	if (buf_printf(t, "%s", apps ? "), " : ") == ") < 0 ||
	    append_literal(t, expected) < 0 ||
	    buf_printf(t, "%s", apps ? ")\n" : "\n") < 0)
		return -1;
	p->ntests++;
	return 0;
}

static int
parse_apps(json_object *o, struct evalset_problem *p, char *err, size_t errlen)
{
	json_object *io, *ins = NULL, *outs = NULL, *fn = NULL;
	struct buf in, out, t;
	size_t i, n;
	int bad = 0, rc = -1;

	buf_init(&in, TESTS_MAX);
	buf_init(&out, TESTS_MAX);
	buf_init(&t, TESTS_MAX);
	p->format = EVALSET_APPS;
	io = member_json(o, "input_output", &bad);
	if (bad) {
		err_buf(err, errlen, "input_output is not valid JSON");
		goto out;
	}
	if (!io) { /* APPS has problems without tests: ntests 0 */
		rc = 0;
		goto out;
	}
	if (!json_object_is_type(io, json_type_object) ||
	    !json_object_object_get_ex(io, "inputs", &ins) ||
	    !json_object_object_get_ex(io, "outputs", &outs) ||
	    !json_object_is_type(ins, json_type_array) ||
	    !json_object_is_type(outs, json_type_array) ||
	    json_object_array_length(ins) != json_object_array_length(outs)) {
		err_buf(err, errlen,
			"input_output needs arrays inputs and outputs of the "
			"same length");
		goto out;
	}
	n = json_object_array_length(ins);
	if (json_object_object_get_ex(io, "fn_name", &fn) && fn) {
		if (!json_object_is_type(fn, json_type_string) ||
		    !identifier(json_object_get_string(fn))) {
			err_buf(err, errlen, "fn_name is not a name");
			goto out;
		}
		if (start_calls(&t, json_object_get_string(fn)) < 0)
			goto nomem;
		for (i = 0; i < n; i++) {
			json_object *args = json_object_array_get_idx(ins, i);

			if (!args ||
			    !json_object_is_type(args, json_type_array)) {
				err_buf(err, errlen,
					"inputs[%zu] of fn_name %s is not a "
					"list of arguments",
					i, json_object_get_string(fn));
				goto out;
			}
			if (add_call(p, &t, args,
				     json_object_array_get_idx(outs, i), 1) < 0)
				goto nomem;
		}
		p->tests = buf_detach(&t, NULL);
		if (!p->tests)
			goto nomem;
		rc = 0;
		goto out;
	}
	for (i = 0; i < n; i++) {
		char name[32];

		buf_reset(&in);
		buf_reset(&out);
		if (apps_text(json_object_array_get_idx(ins, i), &in) < 0 ||
		    apps_text(json_object_array_get_idx(outs, i), &out) < 0) {
			err_buf(err, errlen,
				"inputs[%zu] and outputs[%zu] must be strings "
				"or lists of strings",
				i, i);
			goto out;
		}
		snprintf(name, sizeof(name), "%zu", i);
		if (add_case(p, name, &in, &out) < 0)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	err_buf(err, errlen, "out of memory or tests too large");
out:
	json_object_put(io);
	buf_release(&in);
	buf_release(&out);
	buf_release(&t);
	return rc;
}

/* Reads n bytes little-endian. */
static uint64_t
le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

char *
evalset_cases_unpack(const char *s, char *err, size_t errlen)
{
	unsigned char *raw = NULL, *p, *end;
	size_t rawlen = 0, off, slen;
	struct buf z;
	z_stream zs;
	unsigned char chunk[65536];
	uint64_t n = 0;
	char *out = NULL;
	int zr;

	buf_init(&z, UNPACK_MAX);
	memset(&zs, 0, sizeof(zs));
	raw = malloc(b64_decoded_max(strlen(s)) + 1);
	if (!raw) {
		err_buf(err, errlen, "out of memory");
		goto out;
	}
	if (b64_decode(s, strlen(s), raw, &rawlen, &off) < 0) {
		err_buf(err, errlen, "neither JSON nor base64 (offset %zu)",
			off);
		goto out;
	}
	if (inflateInit(&zs) != Z_OK) {
		err_buf(err, errlen, "zlib failed to initialise");
		goto out;
	}
	zs.next_in = raw;
	zs.avail_in = (uInt)rawlen;
	do {
		zs.next_out = chunk;
		zs.avail_out = sizeof(chunk);
		zr = inflate(&zs, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			err_buf(err, errlen, "base64, but not zlib data");
			goto out;
		}
		if (buf_append(&z, chunk, sizeof(chunk) - zs.avail_out) < 0) {
			err_buf(err, errlen, "more than %u MiB uncompressed",
				UNPACK_MAX >> 20);
			goto out;
		}
	} while (zr != Z_STREAM_END && zs.avail_in + zs.avail_out);
	if (zr != Z_STREAM_END) {
		err_buf(err, errlen, "zlib data cut short");
		goto out;
	}
	/* A pickle of one str: PROTO v, [FRAME len8], SHORT_BINUNICODE len1 |
	 * BINUNICODE len4 | BINUNICODE8 len8, the UTF-8 bytes, [a memo op],
	 * STOP. Nothing else is read, so nothing is ever constructed. */
	p = (unsigned char *)z.data;
	end = p + z.len;
	if (z.len < 4 || p[0] != 0x80 || p[1] < 2 || p[1] > 5)
		goto notstr;
	p += 2;
	if (p < end && *p == 0x95) {
		if (end - p < 9)
			goto notstr;
		p += 9;
	}
	if (p >= end)
		goto notstr;
	slen = *p == 0x8c ? 1 : *p == 'X' ? 4 : *p == 0x8d ? 8 : 0;
	if (!slen || (size_t)(end - p) < 1 + slen)
		goto notstr;
	n = le(p + 1, slen);
	p += 1 + slen;
	if (n > (uint64_t)(end - p))
		goto notstr;
	out = strndup((const char *)p, (size_t)n);
	p += n;
	/* The memo of the string: MEMOIZE (4+), BINPUT or LONG_BINPUT (2-3). */
	if (p < end && *p == 0x94)
		p++;
	else if (end - p >= 2 && *p == 'q')
		p += 2;
	else if (end - p >= 5 && *p == 'r')
		p += 5;
	if (p + 1 != end || *p != '.') {
		free(out);
		out = NULL;
		goto notstr;
	}
	if (!out)
		err_buf(err, errlen, "out of memory");
	goto out;
notstr:
	err_buf(err, errlen,
		"the decompressed data is not a pickle of one string");
out:
	inflateEnd(&zs);
	free(raw);
	buf_release(&z);
	return out;
}

/* The test cases of member key: a JSON string, the compressed form, or an
 * array. Caller puts; NULL: absent or empty; *bad set with err filled. */
static json_object *
lcb_tests(json_object *o, const char *key, int *bad, char *err, size_t errlen)
{
	json_object *v, *parsed;
	const char *s;
	char *unpacked, why[256];

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return NULL;
	if (!json_object_is_type(v, json_type_string))
		return json_object_get(v);
	s = json_object_get_string(v);
	if (!*s)
		return NULL;
	parsed = json_tokener_parse(s);
	if (parsed)
		return parsed;
	unpacked = evalset_cases_unpack(s, why, sizeof(why));
	if (!unpacked) {
		*bad = 1;
		err_buf(err, errlen, "%s: %s", key, why);
		return NULL;
	}
	parsed = json_tokener_parse(unpacked);
	free(unpacked);
	if (!parsed) {
		*bad = 1;
		err_buf(err, errlen, "%s: the decompressed string is not JSON",
			key);
	}
	return parsed;
}

/* Appends one LiveCodeBench test t (the name-th of its list). */
static int
lcb_one(struct evalset_problem *p, json_object *t, const char *name,
	const char *fn, struct buf *tests, int *functional, char *err,
	size_t errlen)
{
	json_object *in, *out, *type;
	const char *tt;
	struct buf a, b;
	int rc = -1;

	buf_init(&a, TESTS_MAX);
	buf_init(&b, TESTS_MAX);
	if (!json_object_is_type(t, json_type_object) ||
	    !json_object_object_get_ex(t, "input", &in) ||
	    !json_object_object_get_ex(t, "output", &out) ||
	    !json_object_object_get_ex(t, "testtype", &type) ||
	    !json_object_is_type(in, json_type_string) ||
	    !json_object_is_type(out, json_type_string) ||
	    !json_object_is_type(type, json_type_string)) {
		err_buf(err, errlen,
			"test %s: input, output and testtype must be strings",
			name);
		goto out;
	}
	tt = json_object_get_string(type);
	if (strcmp(tt, "stdin") && strcmp(tt, "functional")) {
		err_buf(err, errlen,
			"test %s: testtype '%s' (stdin or functional)", name,
			tt);
		goto out;
	}
	if (*functional < 0)
		*functional = !strcmp(tt, "functional");
	if (*functional != !strcmp(tt, "functional")) {
		err_buf(err, errlen,
			"test %s: stdin and functional tests "
			"mixed in one problem",
			name);
		goto out;
	}
	if (!*functional) {
		if (buf_append(&a, json_object_get_string(in),
			       (size_t)json_object_get_string_len(in)) < 0 ||
		    buf_append(&b, json_object_get_string(out),
			       (size_t)json_object_get_string_len(out)) < 0 ||
		    add_case(p, name, &a, &b) < 0)
			goto nomem;
		rc = 0;
		goto out;
	}
	{
		/* One JSON value per line of input: the arguments. */
		json_object *args = json_object_new_array(), *exp;
		const char *s = json_object_get_string(in), *nl;

		if (!args)
			goto nomem;
		if (!fn) {
			json_object_put(args);
			err_buf(err, errlen,
				"functional tests, but no "
				"func_name in metadata");
			goto out;
		}
		while (*s) {
			json_object *arg;
			char *line;

			nl = strchr(s, '\n');
			if (!nl)
				nl = s + strlen(s);
			line = strndup(s, (size_t)(nl - s));
			if (!line) {
				json_object_put(args);
				goto nomem;
			}
			/* Blank lines (a trailing newline) hold no argument. */
			if (strspn(line, " \t\r") < strlen(line)) {
				if (parse_value(line, &arg) < 0) {
					free(line);
					json_object_put(args);
					err_buf(err, errlen,
						"test %s: an input line is not "
						"JSON",
						name);
					goto out;
				}
				json_object_array_add(args, arg);
			}
			free(line);
			s = *nl ? nl + 1 : nl;
		}
		if (parse_value(json_object_get_string(out), &exp) < 0) {
			json_object_put(args);
			err_buf(err, errlen, "test %s: output is not JSON",
				name);
			goto out;
		}
		if ((!tests->len && start_calls(tests, fn) < 0) ||
		    add_call(p, tests, args, exp, 0) < 0) {
			json_object_put(args);
			json_object_put(exp);
			goto nomem;
		}
		json_object_put(args);
		json_object_put(exp);
	}
	rc = 0;
	goto out;
nomem:
	err_buf(err, errlen, "out of memory or tests too large");
out:
	buf_release(&a);
	buf_release(&b);
	return rc;
}

static int
parse_lcb(json_object *o, struct evalset_problem *p, char *err, size_t errlen)
{
	static const char *keys[] = {"public_test_cases", "private_test_cases"};
	json_object *meta, *fnv, *list;
	const char *fn = NULL;
	struct buf tests;
	size_t k, i, n;
	int bad = 0, functional = -1, rc = -1;

	buf_init(&tests, TESTS_MAX);
	p->format = EVALSET_LCB;
	meta = member_json(o, "metadata", &bad);
	if (bad) {
		err_buf(err, errlen, "metadata is not valid JSON");
		goto out;
	}
	if (meta && json_object_is_type(meta, json_type_object) &&
	    json_object_object_get_ex(meta, "func_name", &fnv) &&
	    json_object_is_type(fnv, json_type_string) &&
	    json_object_get_string_len(fnv)) {
		fn = json_object_get_string(fnv);
		if (!identifier(fn)) {
			err_buf(err, errlen, "func_name is not a name");
			goto out;
		}
	}
	for (k = 0; k < 2; k++) {
		list = lcb_tests(o, keys[k], &bad, err, errlen);
		if (bad)
			goto out;
		if (!list)
			continue;
		if (!json_object_is_type(list, json_type_array)) {
			json_object_put(list);
			err_buf(err, errlen, "%s is not a list", keys[k]);
			goto out;
		}
		n = json_object_array_length(list);
		for (i = 0; i < n; i++) {
			char name[48];

			snprintf(name, sizeof(name), "%s %zu",
				 k ? "private" : "public", i);
			if (lcb_one(p, json_object_array_get_idx(list, i), name,
				    fn, &tests, &functional, err, errlen) < 0) {
				json_object_put(list);
				goto out;
			}
		}
		json_object_put(list);
	}
	if (functional == 1) {
		p->tests = buf_detach(&tests, NULL);
		if (!p->tests) {
			err_buf(err, errlen, "out of memory");
			goto out;
		}
	}
	rc = 0;
out:
	json_object_put(meta);
	buf_release(&tests);
	return rc;
}

int
evalset_cases_parse(json_object *o, struct evalset_problem *p, char *err,
		    size_t errlen)
{
	if (json_object_object_get_ex(o, "input_output", NULL))
		return parse_apps(o, p, err, errlen);
	return parse_lcb(o, p, err, errlen);
}
