#ifndef LLSR_RESULT_H
#define LLSR_RESULT_H
/* Builds the 200 response of /run_code from a run's outcome: the harness's
 * validated report when there is one, or a verdict from what the runner saw
 * (its own timeout, the engine's OOM flag, the output cap). */

#include <json-c/json.h>

#include "llsr/outcome.h"
#include "llsr/request.h"

/* The answer to r (borrowed): a new object (caller frees with
 * json_object_put), NULL on ENOMEM. Its exit_code is the report's when the
 * report has one, else the container's; its isolation the report's when it
 * has one, else r's. */
json_object *result_build(const struct run_outcome *o, const struct request *r);

/* Builds {"results": [...]} for the batch rs (borrowed): element i exactly
 * a single run's answer to rs->items[i], from o->report[i] or, without a
 * report, from what the runner saw (then every element shares that
 * verdict). */
json_object *result_build_batch(const struct run_outcome *o,
				const struct request_set *rs);

/* Builds {"error": {"code": code, "message": message}}. A message that is
 * not well-formed UTF-8 is written quoted (utf8_quote), so the answer always
 * is. */
json_object *result_error(const char *code, const char *message);

#endif
