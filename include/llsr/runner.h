#ifndef LLSR_RUNNER_H
#define LLSR_RUNNER_H
/* Runs one submission in one fresh container: create (sandbox policy),
 * attach, start, hand the job to the harness, read its report under a hard
 * wall clock and a hard output cap. The container outlives runner_run so
 * that its removal happens after the response is sent: the caller removes
 * o->container_id, on every path. */

#include <json-c/json.h>

#include "llsr/buf.h"
#include "llsr/config.h"
#include "llsr/engine.h"
#include "llsr/err.h"
#include "llsr/harness.h"
#include "llsr/outcome.h"
#include "llsr/policy.h"
#include "llsr/request.h"
#include "llsr/uids.h"

/* How long past the client's time limit the harness gets to report before
 * the runner kills the container itself. */
#define RUNNER_GRACE_MS 1500

/* A container made ready ahead of its request: created with the sandbox
 * policy, attached, started, its harness waiting for a job on stdin. It is
 * single-use like any other. */
struct warm {
	char id[ENGINE_ID_LEN + 1]; /* "" when the slot is empty */
	struct engine_stream *st;
	int64_t born_ms;	  /* clock_now_ms when it was made */
	struct policy_limits lim; /* the size it was made at */
	struct uid_lease lease;	  /* the uid it runs as, until removed */
};

/* The size of a single run's sandbox at memory_mb. */
void runner_limits(const struct config *cfg, long memory_mb,
		   struct policy_limits *lim);

/* Makes a container ready at size lim, running as a uid of its own taken
 * from uids (or as the config's user when uids is NULL: uid_range off).
 * On failure nothing is left behind (a container created half-way is
 * removed) and w is empty; err is 503 uid_exhausted when no uid is free. */
int runner_warm(struct engine *e, const struct config *cfg, struct uids *uids,
		const char *owner, const struct policy_limits *lim,
		struct warm *w, struct llsr_err *err);

/* 1 when w can still take a job: younger than pool_max_age_s and its stream
 * idle (a closed or chatty stream means the container or engine died). */
int runner_warm_usable(const struct config *cfg, struct warm *w);

/* Removes w's container and frees its uid; w is empty afterwards. w can
 * be empty. */
void runner_warm_discard(struct engine *e, struct warm *w);

/* Runs r, in w's container when w is given, usable and can be fitted to
 * r's memory limit (w is then emptied: the container now belongs to o), or
 * else in a fresh one (an unusable w is discarded). A warm container that
 * cannot take the job is replaced by a fresh one: the request does not
 * fail for it. Returns 0 when the run happened (whatever its verdict: see
 * o), or -1 with err set when no sandbox could be had (engine down, image
 * missing, policy refused). In every case outcome_release must be
 * called on o, and the container in o->container_id (if any) removed.
 * owner is written into the containers' labels. */
int runner_run(struct engine *e, const struct config *cfg, struct uids *uids,
	       const struct request *r, const char *owner, struct warm *w,
	       struct run_outcome *o, struct llsr_err *err);

/* Runs the submissions of a batch in one container (w's, resized, or a
 * fresh one): up to ceil(batch_cpus) at once, each in its own processes
 * and directory with its own limits (the harness's batch frame). On
 * success o->report is an array of rs->n reports, or NULL as for
 * runner_run. Same contract as runner_run otherwise. */
int runner_run_batch(struct engine *e, const struct config *cfg,
		     struct uids *uids, const struct request_set *rs,
		     const char *owner, struct warm *w, struct run_outcome *o,
		     struct llsr_err *err);

/* Removes the container ref (an id or a name) and then releases *lease,
 * or abandons it (uids.h) when the container could not be removed. 0 when
 * removed. */
int runner_drop(struct engine *e, const char *ref, struct uid_lease *lease);

#endif
