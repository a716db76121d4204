#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "llsr/clock.h"
#include "llsr/demux.h"
#include "llsr/harness.h"
#include "llsr/log.h"
#include "llsr/policy.h"
#include "llsr/runner.h"

#define DIAG_MAX (16u << 10)

struct sink {
	struct buf *out;
	struct buf *diag;
	int over;
};

static int
sink_cb(void *arg, int stream, const char *data, size_t len)
{
	struct sink *s = arg;

	if (stream == DEMUX_STDERR) {
		buf_append_some(s->diag, data, len);
		return 0;
	}
	if (stream == DEMUX_STDOUT && buf_append(s->out, data, len) < 0) {
		s->over = 1;
		return -1;
	}
	return 0;
}

void
runner_outcome_init(struct run_outcome *o)
{
	memset(o, 0, sizeof(*o));
	o->exit_code = -1;
	buf_init(&o->diag, DIAG_MAX);
}

static void
container_name(char *name, size_t size)
{
	static unsigned long seq;
	char nonce[HARNESS_NONCE_LEN + 1];

	if (harness_nonce(nonce) < 0)
		snprintf(nonce, sizeof(nonce), "%lx", (unsigned long)time(NULL));
	snprintf(name, size, "llsr-%ld-%lu-%.8s", (long)getpid(), ++seq, nonce);
}

/* Reads the stream until it ends, the deadline passes or the cap is hit. */
static void
read_stream(struct engine_stream *st, struct run_outcome *o, struct buf *out,
	    int64_t deadline)
{
	struct demux dm;
	struct sink sink = { out, &o->diag, 0 };
	char chunk[16384];

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
	}
}

int
runner_run(struct engine *e, const struct config *cfg, const struct request *r,
	   const char *owner, struct run_outcome *o, struct llsr_err *err)
{
	struct policy_limits lim;
	struct engine_stream *st = NULL;
	struct engine_state state;
	struct buf frame, out;
	json_object *spec = NULL;
	char name[64], nonce[HARNESS_NONCE_LEN + 1];
	double t0;
	int64_t deadline;
	int rc = -1;

	buf_init(&frame, (size_t)cfg->max_body_bytes * 2 + 4096);
	buf_init(&out, (size_t)cfg->report_limit_bytes + 4096);
	if (harness_nonce(nonce) < 0 || harness_frame(r, cfg, nonce, &frame) < 0) {
		err_set(err, 500, "internal_error", "cannot build the job");
		goto out;
	}
	lim.memory_mb = r->memory_mb;
	lim.deadline_unix = (long)time(NULL) + r->timeout_ms / 1000 + 60;
	spec = policy_container_spec(cfg, &lim, owner);
	if (!spec) {
		err_set(err, 500, "internal_error", "out of memory");
		goto out;
	}
	container_name(name, sizeof(name));
	if (engine_create(e, name, spec, o->container_id, err) < 0 ||
	    engine_attach(e, o->container_id, &st, err) < 0 ||
	    engine_start(e, o->container_id, err) < 0)
		goto out;

	/* The time limit counts from the hand-over. */
	t0 = clock_now_msf();
	deadline = clock_now_ms() + r->timeout_ms + RUNNER_GRACE_MS;
	if (engine_stream_send(st, frame.data, frame.len, deadline) < 0) {
		err_set(err, 503, "engine_error",
			"could not hand the job to the sandbox");
		goto out;
	}
	engine_stream_close_write(st);
	read_stream(st, o, &out, deadline);
	o->duration_ms = clock_now_msf() - t0;
	if (o->timed_out || o->output_over)
		engine_kill(e, o->container_id, NULL);
	if (!o->timed_out && !o->output_over)
		o->report = harness_report(out.data, out.len, nonce);
	if (engine_inspect(e, o->container_id, &state, NULL) == 0) {
		o->oom_killed = state.oom_killed;
		if (!state.running)
			o->exit_code = state.exit_code;
	}
	rc = 0;
out:
	engine_stream_free(st);
	json_object_put(spec);
	buf_release(&frame);
	buf_release(&out);
	return rc;
}

int
runner_cleanup(struct engine *e, struct run_outcome *o)
{
	struct llsr_err err;

	json_object_put(o->report);
	o->report = NULL;
	buf_release(&o->diag);
	if (!o->container_id[0])
		return 0;
	if (engine_remove(e, o->container_id, &err) < 0) {
		log_error("removing container %.12s: %s", o->container_id,
			  err.message);
		return -1;
	}
	o->container_id[0] = '\0';
	return 0;
}
