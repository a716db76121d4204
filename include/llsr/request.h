#ifndef LLSR_REQUEST_H
#define LLSR_REQUEST_H
/* Validation of a /run_code request body into a submission. Knows JSON and
 * base64, and the limits a client may ask for; knows nothing of HTTP or
 * Docker. */

#include <stddef.h>

#include "llsr/config.h"
#include "llsr/err.h"

/* How the harness isolates the tests of one run (docs/protocol.md). */
enum request_isolation {
	REQUEST_ISOLATION_PROCESS,   /* "process", the default */
	REQUEST_ISOLATION_IN_PROCESS /* "in_process" */
};

/* How a program's output is compared with a case's expected output
 * (docs/protocol.md, "Program cases"). */
enum request_compare {
	REQUEST_COMPARE_LINES,	/* "lines", the default */
	REQUEST_COMPARE_EXACT,	/* "exact" */
	REQUEST_COMPARE_TOKENS, /* "tokens" */
	REQUEST_COMPARE_FLOAT,	/* "float" */
	REQUEST_COMPARE_CHECKER /* "checker": the client's checker program */
};

/* One program case: its input and the output it must give. The base64
 * text is the client's, validated; it goes into the frame as it is. */
struct request_case {
	char *name; /* NULL when absent */
	char *stdin_b64;
	char *expected_b64;
};

/* Defaults of the float comparison's tolerances. */
#define REQUEST_ABS_TOL 1e-6
#define REQUEST_REL_TOL 1e-6

struct request {
	unsigned char *code; /* decoded solution, NUL-terminated */
	size_t code_len;
	unsigned char *tests; /* decoded tests, "" when absent */
	size_t tests_len;
	unsigned char *stdin_data; /* decoded stdin, "" when absent */
	size_t stdin_len;
	char *entry_point;    /* NULL when absent */
	long timeout_ms;      /* effective: client's or the cap */
	long test_timeout_ms; /* <= timeout_ms */
	long memory_mb;
	int stop_on_first_failure;
	int program; /* no "tests" key and no entry_point: a program run */
	enum request_isolation isolation;
	/* Program cases: cases[0..ncases) (NULL, 0 when the request has
	 * none; then the fields below are unused). */
	struct request_case *cases;
	size_t ncases;
	enum request_compare compare;
	double abs_tol, rel_tol;
	long case_timeout_ms;	/* CPU time of one case, <= the cap */
	long case_output_limit; /* bytes of a case's stdout */
	/* compare "checker": its source (decoded, NUL-terminated; NULL
	 * otherwise) and its limits, each <= the server's cap. */
	unsigned char *checker;
	size_t checker_len;
	long checker_timeout_ms;
	long checker_memory_mb;
	long checker_output_limit;
};

/* "lines", "exact", "tokens", "float" or "checker": the word on the
 * wire. */
const char *request_compare_name(enum request_compare c);

/* "process" or "in_process": the word on the wire and in the answer. */
const char *request_isolation_name(enum request_isolation iso);

/* Deepest JSON nesting accepted in a body. */
#define REQUEST_MAX_DEPTH 16

/* Frees what r owns; r can be NULL. */
void request_release(struct request *r);

/* The submissions of one body: a single one ({"code": ...}), or a batch
 * ({"submissions": [{"code": ...}, ...]}, at most cfg->max_batch). */
struct request_set {
	struct request *items;
	size_t n;
	int batch; /* the body was a batch */
};

/* Parses and validates body[0..len), either form, against the caps in
 * cfg. On success fills rs (release with request_set_release) and returns
 * 0. On bad input returns -1 with e set to a 4xx: invalid_json,
 * missing_field, invalid_base64 (naming the field and byte offset),
 * invalid_field, conflicting_fields ("cases" next to "tests", "stdin" or
 * "entry_point"; "checker" with another compare mode), unsupported_language or
 * batch_too_costly; rs is left empty. An element's error names it: the message
 * starts with "submissions[i]: " and e->index is i. */
int request_parse_set(struct request_set *rs, const char *body, size_t len,
		      const struct config *cfg, struct llsr_err *e);
void request_set_release(struct request_set *rs);

#endif
