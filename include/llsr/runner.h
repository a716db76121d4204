#ifndef LLSR_RUNNER_H
#define LLSR_RUNNER_H
/* Runs one submission in one fresh container: create (sandbox policy),
 * attach, start, hand the job to the harness, read its report under a hard
 * wall clock and a hard output cap. The container outlives runner_run so
 * that its removal happens after the response is sent: runner_cleanup
 * removes it, on every path. */

#include <json-c/json.h>

#include "llsr/buf.h"
#include "llsr/config.h"
#include "llsr/engine.h"
#include "llsr/err.h"
#include "llsr/request.h"

/* How long past the client's time limit the harness gets to report before
 * the runner kills the container itself. */
#define RUNNER_GRACE_MS 1500

struct run_outcome {
	char container_id[ENGINE_ID_LEN + 1];	/* "" when none exists */
	json_object *report;	/* validated harness report, or NULL */
	int timed_out;		/* the runner's own wall clock killed it */
	int output_over;	/* the stream went past the read cap */
	int oom_killed;		/* the engine says the kernel OOM-killed it */
	int exit_code;		/* container exit code, -1 unknown */
	double duration_ms;	/* from hand-over to the end of the run */
	struct buf diag;	/* the harness's own stderr, capped */
};

void runner_outcome_init(struct run_outcome *o);

/* Runs r. Returns 0 when the run happened (whatever its verdict: see o), or
 * -1 with err set when the sandbox could not be had (engine down, image
 * missing, policy refused); o->container_id may still be set on either path
 * and runner_cleanup must be called in every case. owner is written into
 * the container's labels. */
int runner_run(struct engine *e, const struct config *cfg,
	       const struct request *r, const char *owner,
	       struct run_outcome *o, struct llsr_err *err);

/* Removes the container if any and frees what o holds. Safe to call twice.
 * Returns -1 when the engine did not remove it: the id is then left in
 * o->container_id for the caller to retry. */
int runner_cleanup(struct engine *e, struct run_outcome *o);

#endif
