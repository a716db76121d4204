#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "llsr/harness.h"
#include "llsr/result.h"

#define NONCE "0123456789abcdef0123456789abcdef"

/* Whatever the sandbox writes on its stdout, the report parser either
 * refuses it or returns a report that result_build turns into a response
 * with a known status. The input is taken as is, and also behind the nonce
 * so that the JSON validation is reached. */
static void
one(const char *text, size_t len)
{
	struct run_outcome o;
	json_object *res, *st;
	const char *s;

	runner_outcome_init(&o);
	o.report = harness_report(text, len, NONCE);
	res = result_build(&o);
	if (!res || !json_object_object_get_ex(res, "status", &st))
		abort();
	s = json_object_get_string(st);
	if (strcmp(s, "passed") && strcmp(s, "failed") && strcmp(s, "error") &&
	    strcmp(s, "timeout") && strcmp(s, "memory_limit") &&
	    strcmp(s, "output_limit"))
		abort();
	json_object_to_json_string(res);
	json_object_put(res);
	json_object_put(o.report);
	/* The same bytes as a batch report of two. */
	o.report = harness_report_batch(text, len, NONCE, 2);
	if (o.report && json_object_array_length(o.report) != 2)
		abort();
	res = result_build_batch(&o, 2);
	if (!res)
		abort();
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
