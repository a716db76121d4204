#ifndef LLSR_EVALSET_CASES_H
#define LLSR_EVALSET_CASES_H
/* The judge layouts of llsr eval's problem sets: APPS and LiveCodeBench.
 * A problem judged by stdin/stdout becomes program cases (the request's
 * "cases"); a call-based (APPS fn_name) or functional (LiveCodeBench) one
 * becomes assert lines calling the function, sent as tests.
 *
 * APPS (Hendrycks et al. 2021; codeparrot/apps): problem_id, input_output
 *   (a JSON string, or an object): {"inputs": [...], "outputs": [...],
 *   "fn_name"?: "..."}. Without fn_name each input is a stdin (a string, or
 *   a list of lines joined by "\n") and each output the expected stdout
 *   (the same). With fn_name each input is the list of arguments, and a
 *   result passes when it equals the output or, when the output is a
 *   non-empty list, its first element (a tuple counts as a list), as APPS's
 *   own testing_util.py judges.
 * LiveCodeBench (Jain et al. 2024; livecodebench/code_generation_lite):
 *   question_id, public_test_cases and private_test_cases (each a JSON
 *   string, or an array, of {input, output, testtype}; the private ones
 *   also as the release ships them, base64 of zlib of a pickled JSON
 *   string, which is decoded here without unpickling: only a pickle that
 *   holds one string is accepted), metadata (a JSON string or an object;
 *   func_name names the function of functional tests). testtype "stdin":
 *   input is the stdin, output the expected stdout. "functional": input is
 *   one JSON value per line (the arguments), output one JSON value, and the
 *   result must equal it (a tuple counts as a list).
 * A call goes to Solution().NAME when the solution defines Solution, else
 * to the function NAME. task_id, when present, wins over problem_id and
 * question_id. */

#include <stddef.h>

#include <json-c/json.h>

#include "llsr/evalset.h"

/* Whether o is an APPS or LiveCodeBench problem. */
int evalset_cases_detect(json_object *o);

/* Fills p's format, tests or cases, and ntests from o (borrowed), which
 * evalset_cases_detect accepted; p's task_id is set by the caller. Returns
 * 0, or -1 with a message in err (p may hold some of its fields: release
 * it). */
int evalset_cases_parse(json_object *o, struct evalset_problem *p, char *err,
			size_t errlen);

/* Decodes LiveCodeBench's compressed test cases: base64, zlib, then a
 * pickle (protocol 2 to 5) holding one str. Returns the string (caller
 * frees), or NULL with a message in err. Never runs any other pickle
 * opcode. */
char *evalset_cases_unpack(const char *s, char *err, size_t errlen);

#endif
