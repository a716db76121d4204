#ifndef LLSR_OUTCOME_H
#define LLSR_OUTCOME_H
/* What one run came to, as the runner saw it: the harness's validated
 * report (when one came) and the runner's own facts (its wall clock, the
 * output cap, the engine's OOM flag, the exit code). result.c shapes the
 * answer from it and needs nothing else of the run stack: no engine, no
 * policy, no container. */

#include <json-c/json.h>

#include "llsr/buf.h"
#include "llsr/engine.h"  /* ENGINE_ID_LEN, a constant only */
#include "llsr/harness.h" /* HARNESS_WHY_MAX, a constant only */
#include "llsr/uids.h"	  /* struct uid_lease, a value only */

/* The harness's own stderr kept with an outcome, for the log. */
#define OUTCOME_DIAG_MAX (16u << 10)

struct run_outcome {
	char container_id[ENGINE_ID_LEN + 1]; /* "" when none exists */
	int warm;	     /* the run used a warm container */
	json_object *report; /* validated harness report (a batch: an
			      * array of them), or NULL */
	char report_error[HARNESS_WHY_MAX]; /* why the report line was
					     * refused; "" when none came */
	int timed_out;		/* the runner's own wall clock killed it */
	int output_over;	/* the stream went past the read cap */
	int oom_killed;		/* the engine says the kernel OOM-killed it */
	int exit_code;		/* container exit code, -1 unknown */
	double duration_ms;	/* from hand-over to the end of the run */
	struct buf diag;	/* the harness's own stderr, capped */
	struct uid_lease lease; /* container_id's uid: whoever removes the
				 * container releases it (runner_drop) */
};

/* Empties o: no report, exit code unknown, an empty diag buffer. */
void outcome_init(struct run_outcome *o);

/* Frees what o holds but its container, whose id stays in o->container_id,
 * and whose uid stays in o->lease. Safe to call twice. */
void outcome_release(struct run_outcome *o);

#endif
