#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llsr/clock.h"
#include "llsr/demux.h"
#include "llsr/harness.h"
#include "llsr/log.h"
#include "llsr/metrics.h"
#include "llsr/policy.h"
#include "llsr/runner.h"

struct sink {
	struct buf *out;
	struct buf *diag;
	int over;
	int line_end; /* stdout so far ends with a newline */
};

static int
sink_cb(void *arg, int stream, const char *data, size_t len)
{
	struct sink *s = arg;

	if (stream == DEMUX_STDERR) {
		buf_append_some(s->diag, data, len);
		return 0;
	}
	if (stream == DEMUX_STDOUT && len > 0) {
		if (buf_append(s->out, data, len) < 0) {
			s->over = 1;
			return -1;
		}
		s->line_end = data[len - 1] == '\n';
	}
	return 0;
}

static void
container_name(char *name, size_t size)
{
	static unsigned long seq;
	char nonce[HARNESS_NONCE_LEN + 1];

	if (harness_nonce(nonce) < 0)
		snprintf(nonce, sizeof(nonce), "%lx",
			 (unsigned long)time(NULL));
	snprintf(name, size, "llsr-%ld-%lu-%.8s", (long)getpid(), ++seq, nonce);
}

/* Reads the stream until the harness's report is complete, the stream
 * ends, the deadline passes or the cap is hit. The report is the last thing
 * the harness writes, so waiting for the container to exit would only add
 * the engine's tear-down to the client's latency. */
static void
read_stream(struct engine_stream *st, struct run_outcome *o, struct buf *out,
	    const char *nonce, int64_t deadline)
{
	struct demux dm;
	struct sink sink = {out, &o->diag, 0, 0};
	char chunk[16384];
	size_t line_len;

	demux_init(&dm);
	for (;;) {
		long n = engine_stream_recv(st, chunk, sizeof(chunk), deadline);

		if (n == ENGINE_ETIMEDOUT) {
			o->timed_out = 1;
			return;
		}
		if (n <= 0)
			return;
		if (demux_feed(&dm, chunk, (size_t)n, sink_cb, &sink) < 0) {
			if (sink.over)
				o->output_over = 1;
			else
				log_warn("garbage in the engine stream");
			return;
		}
		if (sink.line_end && demux_idle(&dm) &&
		    harness_report_line(out->data, out->len, nonce, &line_len))
			return;
	}
}

void
runner_limits(const struct config *cfg, long memory_mb,
	      struct policy_limits *lim)
{
	lim->memory_mb = memory_mb;
	lim->cpus = cfg->cpus;
	lim->pids = cfg->pids_limit;
	lim->deadline_unix = 0;
	lim->uid = 0;
}

int
runner_drop(struct engine *e, const char *ref, struct uid_lease *lease)
{
	struct llsr_err err;
	double t0 = clock_now_msf();
	int rc = engine_remove(e, ref, &err);

	metrics_step(METRICS_STEP_REMOVE, clock_now_msf() - t0, rc < 0);
	if (rc == 0) {
		uids_release(lease);
		return 0;
	}
	log_warn("removing container %.12s: %s", ref, err.message);
	/* It may live on: its uid must not be given to another yet. */
	uids_abandon(lease);
	return -1;
}

/* A container a dead worker (or a removal given up) left holding a uid. */
static int
remove_left(void *engine, const char *name)
{
	return engine_remove(engine, name, NULL);
}

int
runner_warm(struct engine *e, const struct config *cfg, struct uids *uids,
	    const char *owner, const struct policy_limits *want, struct warm *w,
	    struct llsr_err *err)
{
	struct policy_limits lim = *want;
	json_object *spec = NULL;
	char name[64];
	double t0;
	int rc = -1, step;

	memset(w, 0, sizeof(*w));
	/* Long enough for a warm container to wait and then run; a sweeper
	 * may remove it after that. */
	lim.deadline_unix = (long)time(NULL) + cfg->pool_max_age_s +
			    cfg->batch_timeout_ms / 1000 + 60;
	container_name(name, sizeof(name));
	/* The uid is held, and the name recorded with it, before the
	 * container exists: whatever becomes of this worker, no other
	 * container gets the uid while this one may live. */
	if (uids && uids_take(uids, name, remove_left, e, &w->lease, err) < 0)
		return -1;
	lim.uid = w->lease.uid;
	spec = policy_container_spec(cfg, &lim, owner);
	if (!spec) {
		uids_release(&w->lease);
		return err_set(err, 500, "internal_error", "out of memory");
	}
	t0 = clock_now_msf();
	step = engine_create(e, name, spec, w->id, err);
	metrics_step(METRICS_STEP_CREATE, clock_now_msf() - t0, step < 0);
	if (step < 0) {
		/* It may exist all the same (a timeout after the engine
		 * created it): by name, as its id is unknown. */
		runner_drop(e, name, &w->lease);
		goto out;
	}
	/* Attach before start, so that nothing the harness says is missed. */
	t0 = clock_now_msf();
	step = engine_attach(e, w->id, &w->st, err);
	metrics_step(METRICS_STEP_ATTACH, clock_now_msf() - t0, step < 0);
	if (step == 0) {
		t0 = clock_now_msf();
		step = engine_start(e, w->id, err);
		metrics_step(METRICS_STEP_START, clock_now_msf() - t0,
			     step < 0);
	}
	if (step < 0) {
		runner_warm_discard(e, w);
		goto out;
	}
	w->born_ms = clock_now_ms();
	w->lim = lim;
	rc = 0;
out:
	if (rc < 0)
		w->id[0] = '\0';
	json_object_put(spec);
	return rc;
}

int
runner_warm_usable(const struct config *cfg, struct warm *w)
{
	return w->id[0] && w->st &&
	       clock_now_ms() - w->born_ms < cfg->pool_max_age_s * 1000 &&
	       engine_stream_idle(w->st);
}

void
runner_warm_discard(struct engine *e, struct warm *w)
{
	engine_stream_free(w->st);
	w->st = NULL;
	if (w->id[0])
		runner_drop(e, w->id, &w->lease);
	uids_release(&w->lease); /* (no container: nothing to wait for) */
	w->id[0] = '\0';
}

/* Resizes w's container to want (a step of the metrics). */
static int
update_limits(struct engine *e, const struct config *cfg, struct warm *w,
	      const struct policy_limits *want)
{
	double t0 = clock_now_msf();
	int rc = engine_update_limits(
		e, w->id, policy_engine_memory_mb(cfg, want->memory_mb),
		want->cpus, policy_engine_pids(cfg, want->pids), NULL);

	metrics_step(METRICS_STEP_UPDATE, clock_now_msf() - t0, rc < 0);
	return rc;
}

/* Takes w for a job of size want when it fits (its limits are changed
 * when they differ); else discards it. 1 when taken. */
static int
take_warm(struct engine *e, const struct config *cfg,
	  const struct policy_limits *want, struct warm *w, struct warm *into)
{
	if (!w || !w->id[0])
		return 0;
	if (runner_warm_usable(cfg, w) &&
	    ((w->lim.memory_mb == want->memory_mb &&
	      w->lim.cpus == want->cpus && w->lim.pids == want->pids) ||
	     update_limits(e, cfg, w, want) == 0)) {
		*into = *w;
		memset(w, 0, sizeof(*w));
		return 1;
	}
	log_info("warm container %.12s is stale or broken; using a fresh one",
		 w->id);
	runner_warm_discard(e, w);
	return 0;
}

/* Runs one frame (a single job or a batch) in w's container or a fresh one
 * of size lim, until the report line, wall_ms (plus the grace), or the
 * output cap. The raw stdout is left in out. */
static int
run_frame(struct engine *e, const struct config *cfg, struct uids *uids,
	  const char *owner, const struct policy_limits *lim, struct warm *w,
	  const struct buf *frame, const char *nonce, long wall_ms,
	  struct run_outcome *o, struct buf *out, struct llsr_err *err)
{
	struct engine_stream *st = NULL;
	struct engine_state state;
	struct warm c;
	double t0 = 0;
	int64_t deadline = 0;
	int attempt, step, rc = -1;

	for (attempt = 0;; attempt++) {
		o->warm = attempt == 0 && take_warm(e, cfg, lim, w, &c);
		if (attempt == 0)
			metrics_pool(o->warm);
		if (!o->warm &&
		    runner_warm(e, cfg, uids, owner, lim, &c, err) < 0)
			goto out;
		memcpy(o->container_id, c.id, sizeof(o->container_id));
		o->lease = c.lease;
		st = c.st;

		/* The time limit counts from the hand-over. */
		t0 = clock_now_msf();
		deadline = clock_now_ms() + wall_ms + RUNNER_GRACE_MS;
		if (engine_stream_send(st, frame->data, frame->len, deadline) ==
		    0)
			break;
		if (!o->warm) {
			err_set(err, 503, "engine_error",
				"could not hand the job to the sandbox");
			goto out;
		}
		/* The submission never reached it: a fresh container is safe.
		 */
		log_warn("warm container %.12s did not take the job; using a "
			 "fresh one",
			 o->container_id);
		engine_stream_free(st);
		st = NULL;
		runner_drop(e, o->container_id, &o->lease);
		o->container_id[0] = '\0';
	}
	engine_stream_close_write(st);
	read_stream(st, o, out, nonce, deadline);
	o->duration_ms = clock_now_msf() - t0;
	metrics_step(METRICS_STEP_RUN, o->duration_ms, 0);
	log_debug("container %.12s (%s, started %lld ms before the job): "
		  "stream ended after %.1f ms",
		  o->container_id, o->warm ? "warm" : "cold",
		  (long long)((int64_t)t0 - c.born_ms), o->duration_ms);
	if (o->timed_out || o->output_over) {
		/* Close our end first: a container blocked writing into a full
		 * stream would otherwise hold up the engine's kill. */
		engine_stream_free(st);
		st = NULL;
		t0 = clock_now_msf();
		step = engine_kill(e, o->container_id, NULL);
		metrics_step(METRICS_STEP_KILL, clock_now_msf() - t0, step < 0);
	} else if (!harness_report_line(out->data, out->len, nonce,
					&(size_t){0})) {
		t0 = clock_now_msf();
		step = engine_inspect(e, o->container_id, &state, err);
		metrics_step(METRICS_STEP_INSPECT, clock_now_msf() - t0,
			     step < 0);
		if (step < 0) {
			/* The stream ended without a report and the engine is
			 * gone: it stopped under the run. That is the engine's
			 * failure, not a verdict on the submission. */
			log_error("run ended without a report: %s",
				  err->message);
			goto out;
		}
		o->oom_killed = state.oom_killed;
		if (!state.running)
			o->exit_code = state.exit_code;
	}
	rc = 0;
out:
	engine_stream_free(st);
	return rc;
}

int
runner_run(struct engine *e, const struct config *cfg, struct uids *uids,
	   const struct request *r, const char *owner, struct warm *w,
	   struct run_outcome *o, struct llsr_err *err)
{
	struct policy_limits lim;
	struct buf frame, out;
	char nonce[HARNESS_NONCE_LEN + 1];
	int rc = -1;

	buf_init(&frame, (size_t)cfg->max_body_bytes * 2 + 4096);
	buf_init(&out, (size_t)cfg->report_limit_bytes + 4096);
	if (harness_nonce(nonce) < 0 ||
	    harness_frame(r, cfg, nonce, &frame) < 0) {
		err_set(err, 500, "internal_error", "cannot build the job");
		goto out;
	}
	runner_limits(cfg, r->memory_mb, &lim);
	if (run_frame(e, cfg, uids, owner, &lim, w, &frame, nonce,
		      harness_run_ms(r->timeout_ms), o, &out, err) < 0)
		goto out;
	if (!o->timed_out && !o->output_over)
		o->report = harness_report(out.data, out.len, nonce,
					   o->report_error,
					   sizeof(o->report_error));
	if (o->report_error[0])
		log_warn("container %.12s: the harness's report is not valid: "
			 "%s",
			 o->container_id, o->report_error);
	if (o->report) {
		json_object *v;

		/* The harness reported and exits 0; it saw any OOM kill. */
		o->exit_code = 0;
		o->oom_killed = json_object_object_get_ex(o->report,
							  "oom_killed", &v) &&
				json_object_get_boolean(v);
	}
	rc = 0;
out:
	buf_release(&frame);
	buf_release(&out);
	return rc;
}

int
runner_run_batch(struct engine *e, const struct config *cfg, struct uids *uids,
		 const struct request_set *rs, const char *owner,
		 struct warm *w, struct run_outcome *o, struct llsr_err *err)
{
	struct policy_limits lim;
	struct buf frame, out;
	char nonce[HARNESS_NONCE_LEN + 1];
	long parallel, mem = 16, wall = 0, rounds, report_limit;
	size_t i;
	int rc = -1;

	/* As many at once as the container has CPUs, each its own memory. */
	parallel = (long)(cfg->batch_cpus + 0.999);
	if (parallel < 1)
		parallel = 1;
	if ((size_t)parallel > rs->n)
		parallel = (long)rs->n;
	for (i = 0; i < rs->n; i++) {
		if (rs->items[i].memory_mb > mem)
			mem = rs->items[i].memory_mb;
		if (harness_wall_ms(rs->items[i].timeout_ms) > wall)
			wall = harness_wall_ms(rs->items[i].timeout_ms);
	}
	rounds = ((long)rs->n + parallel - 1) / parallel;
	wall = wall * rounds + 50 * (long)rs->n + HARNESS_OVERHEAD_MS;
	if (wall > cfg->batch_timeout_ms)
		wall = cfg->batch_timeout_ms;
	lim.memory_mb = mem * parallel + 64;
	if (lim.memory_mb > cfg->batch_memory_mb)
		lim.memory_mb = cfg->batch_memory_mb;
	lim.cpus = cfg->batch_cpus;
	lim.pids = cfg->pids_limit * parallel;
	lim.deadline_unix = 0;
	lim.uid = 0;
	report_limit = cfg->report_limit_bytes * 4;

	buf_init(&frame, (size_t)cfg->max_body_bytes * 2 + 4096);
	buf_init(&out, (size_t)report_limit + 4096);
	if (harness_nonce(nonce) < 0 ||
	    harness_frame_batch(rs, nonce, parallel, report_limit, cfg,
				&frame) < 0) {
		err_set(err, 500, "internal_error", "cannot build the job");
		goto out;
	}
	if (run_frame(e, cfg, uids, owner, &lim, w, &frame, nonce, wall, o,
		      &out, err) < 0)
		goto out;
	if (!o->timed_out && !o->output_over)
		o->report = harness_report_batch(out.data, out.len, nonce,
						 rs->n, o->report_error,
						 sizeof(o->report_error));
	if (o->report_error[0])
		log_warn("container %.12s: the harness's batch report is not "
			 "valid: %s",
			 o->container_id, o->report_error);
	if (o->report)
		o->exit_code = 0;
	rc = 0;
out:
	buf_release(&frame);
	buf_release(&out);
	return rc;
}
