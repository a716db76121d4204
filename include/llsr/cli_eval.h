#ifndef LLSR_CLI_EVAL_H
#define LLSR_CLI_EVAL_H
/* llsr eval: judges every sample of an evalset against the service, in
 * batches, appends one results line per sample, resumes from an earlier
 * results file, and reports pass@k. */

#include <stddef.h>
#include <stdio.h>

#include "llsr/cli_http.h"

/* A batch body stays under this many bytes (the server's default
 * max_body_bytes is 4 MiB); a sample over it is sent alone. */
#define CLI_EVAL_BODY_BUDGET (3u << 20)
#define CLI_EVAL_BATCH_MAX   1000

struct cli_eval_opts {
	const char *problems; /* path */
	const char *samples;  /* path */
	const char *out;      /* results path, appended to; NULL: none */
	unsigned batch;	 /* submissions per request, 1..CLI_EVAL_BATCH_MAX */
	long timeout_ms; /* each submission's timeout_ms; 0: the server's */
	/* The compare mode of program cases (APPS and LiveCodeBench stdin
	 * problems); NULL: the server's (lines). Borrowed. */
	const char *compare;
	const unsigned long *ks; /* the k of pass@k to report; borrowed */
	size_t nks;
	int tty;  /* stderr is a terminal: a progress bar, else plain lines */
	int json; /* the summary as one JSON object */
};

/* Without a terminal, a progress line every this many seconds. */
#define CLI_EVAL_PROGRESS_S 5.0

/* Runs the evaluation; the report goes to out, problems and progress to
 * stderr. Returns the exit status of llsr eval: 0 when every sample has a
 * result; 2 when the inputs (a task with samples but no test included), the
 * results file, the transport or the server failed, or some sample got no
 * answer within the HTTP timeout even alone; 130 on SIGINT. Results written
 * so far stay in the results file, whole lines only. */
int cli_eval_run(struct cli_http *h, const struct cli_eval_opts *o, FILE *out);

#endif
