#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/harness.h"
#include "llsr/result.h"

#define NONCE "0123456789abcdef0123456789abcdef"

/* The answer must be JSON by RFC 8259 alone: no NaN, no Infinity, no
 * number spelt as json-c's lenient parser took it ("1."). */
static void
must_be_strict_json(json_object *res)
{
	const char *text =
		json_object_to_json_string_ext(res, JSON_C_TO_STRING_PLAIN);
	json_tokener *tok = json_tokener_new_ex(64);
	json_object *back;

	if (!tok)
		abort();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	back = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (!back || json_tokener_get_error(tok) != json_tokener_success)
		abort();
	json_object_put(back);
	json_tokener_free(tok);
}

/* Whatever the sandbox writes on its stdout, the report parser either
 * refuses it or returns a report that result_build turns into a response
 * with a known status, and valid JSON. The input is taken as is, and also
 * behind the nonce so that the JSON validation is reached. */
static void
one(const char *text, size_t len)
{
	static const char *const known[] = {
		"passed",	"failed",	"error",    "timeout",
		"memory_limit", "output_limit", "no_tests", NULL};
	struct request items[2];
	struct request_set rs = {items, 2, 1};
	struct run_outcome o;
	json_object *res, *st;
	const char *s;
	size_t i;

	memset(items, 0, sizeof(items));
	items[1].isolation = REQUEST_ISOLATION_IN_PROCESS;
	outcome_init(&o);
	o.report = harness_report(text, len, NONCE, o.report_error,
				  sizeof(o.report_error));
	res = result_build(&o, &items[0]);
	if (!res || !json_object_object_get_ex(res, "status", &st))
		abort();
	s = json_object_get_string(st);
	for (i = 0; known[i] && strcmp(s, known[i]); i++)
		;
	if (!known[i])
		abort();
	must_be_strict_json(res);
	json_object_put(res);
	json_object_put(o.report);
	/* The same bytes as a batch report of two. */
	o.report = harness_report_batch(text, len, NONCE, 2, o.report_error,
					sizeof(o.report_error));
	if (o.report && json_object_array_length(o.report) != 2)
		abort();
	res = result_build_batch(&o, &rs);
	if (!res)
		abort();
	must_be_strict_json(res);
	json_object_put(res);
	json_object_put(o.report);
	buf_release(&o.diag);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *framed = malloc(size + sizeof(NONCE) + 2);

	if (!framed)
		abort();
	one((const char *)data, size);
	memcpy(framed, NONCE " ", sizeof(NONCE));
	memcpy(framed + sizeof(NONCE), data, size);
	framed[sizeof(NONCE) + size] = '\n';
	one(framed, size + sizeof(NONCE) + 1);
	free(framed);
	return 0;
}
