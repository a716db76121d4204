#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef HAVE_MALLOC_H
#include <malloc.h>
#endif

#include "llsr/build.h"
#include "llsr/clock.h"
#include "llsr/engine.h"
#include "llsr/log.h"
#include "llsr/metrics.h"
#include "llsr/reaper.h"
#include "llsr/request.h"
#include "llsr/result.h"
#include "llsr/runner.h"
#include "llsr/service.h"
#include "llsr/sweep.h"
#include "llsr/uids.h"

#define SERVICE_POOL_MAX 16

struct service {
	const struct config *cfg; /* borrowed */
	struct engine *engine;
	struct reaper *reaper;	     /* removes used containers */
	struct uids *uids;	     /* NULL: uid_range off */
	char owner[SWEEP_OWNER_MAX]; /* in container labels, see sweep.h */
	struct run_outcome pending;  /* the last run's, released after it */
	struct warm pool[SERVICE_POOL_MAX]; /* cfg->pool_size slots used */
	unsigned long requests;
};

static void release_used(struct service *s);
static long pool_warm_count(struct service *s);

struct service *
service_new(const struct config *cfg)
{
	struct service *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cfg = cfg;
	s->engine = engine_new(cfg);
	s->reaper = reaper_new(cfg);
	if (!s->engine || !s->reaper) {
		reaper_free(s->reaper);
		engine_free(s->engine);
		free(s);
		return NULL;
	}
	sweep_owner(s->owner, sizeof(s->owner));
	return s;
}

void
service_free(struct service *s)
{
	long i;

	if (!s)
		return;
	release_used(s);
	reaper_free(s->reaper);
	for (i = 0; i < s->cfg->pool_size; i++)
		runner_warm_discard(s->engine, &s->pool[i]);
	engine_free(s->engine);
	uids_free(s->uids);
	free(s);
}

/* Fills the empty pool slots; stops at the first failure (the engine is
 * down, or the image missing): the next call tries again. */
static void
pool_fill(struct service *s)
{
	struct policy_limits lim;
	struct llsr_err err;
	long i;

	runner_limits(s->cfg, s->cfg->memory_mb, &lim);
	for (i = 0; i < s->cfg->pool_size; i++) {
		if (s->pool[i].id[0])
			continue;
		if (runner_warm(s->engine, s->cfg, s->uids, s->owner, &lim,
				&s->pool[i], &err) < 0) {
			log_warn("warming a container: %s", err.message);
			break;
		}
	}
	metrics_warm(pool_warm_count(s));
}

/* The oldest warm container (the likeliest to have booted), or NULL. */
static struct warm *
pool_take(struct service *s)
{
	struct warm *w = NULL;
	long i;

	for (i = 0; i < s->cfg->pool_size; i++)
		if (s->pool[i].id[0] && (!w || s->pool[i].born_ms < w->born_ms))
			w = &s->pool[i];
	return w;
}

long
service_ready_in_ms(struct service *s)
{
	struct warm *w = pool_take(s);
	int64_t left;

	if (!w)
		return 0;
	left = w->born_ms + s->cfg->pool_ready_ms - clock_now_ms();
	return left > 0 ? (long)left : 0;
}

int
service_startup(struct service *s)
{
	struct llsr_err err;
	int present = 0, known = 0;
	long lo, hi;

	if (config_uid_range(s->cfg, &lo, &hi)) {
		s->uids = uids_open(s->cfg->uid_lock_dir, lo, hi, &err);
		if (!s->uids) {
			log_error(
				"%s (config keys uid_range, uid_lock_dir; the "
				"directory's parent must exist and be "
				"writable by the workers' user)",
				err.message);
			return -1;
		}
		log_info("containers run as uids %ld-%ld (locks in %s)", lo, hi,
			 s->cfg->uid_lock_dir);
	} else {
		log_warn("uid_range is off: every container runs as %s, and "
			 "one submission can use up that uid's kernel limits "
			 "for all",
			 s->cfg->user);
	}
	if (engine_ping(s->engine, &err) < 0) {
		log_warn("%s (will retry on each request)", err.message);
		return 0;
	}
	log_info("Docker engine API %s at %s", engine_api_version(s->engine),
		 s->cfg->engine_url);
	if (engine_image_present(s->engine, s->cfg->image, &present, &err) < 0)
		log_warn("%s", err.message);
	else if (!present)
		log_warn("sandbox image '%s' is missing: build it with "
			 "docker/build-image.sh",
			 s->cfg->image);
	if (s->cfg->runtime[0]) {
		if (engine_runtime_known(s->engine, s->cfg->runtime, &known,
					 &err) < 0) {
			log_warn("%s", err.message);
		} else if (!known) {
			log_error(
				"runtime '%s' (config key runtime) is not "
				"installed on the Docker engine; install it "
				"(e.g. gVisor's runsc) or leave runtime empty",
				s->cfg->runtime);
			return -1;
		}
	}
	/* Containers a crashed worker left behind go first. */
	if (sweep_run(s->engine, &err) < 0)
		log_warn("sweeper: %s", err.message);
	pool_fill(s);
	return 0;
}

void
reply_error(struct reply *rp, int status, const char *code, const char *message)
{
	rp->status = status;
	rp->body = result_error(code, message);
}

void
reply_error_at(struct reply *rp, const struct llsr_err *err)
{
	json_object *eo;

	reply_error(rp, err->status, err->code, err->message);
	eo = rp->body ? json_object_object_get(rp->body, "error") : NULL;
	if (!eo)
		return;
	if (err->index >= 0)
		json_object_object_add(eo, "index",
				       json_object_new_int64(err->index));
	if (err->max_cost_ms > 0) {
		json_object_object_add(eo, "cost_ms",
				       json_object_new_int64(err->cost_ms));
		json_object_object_add(eo, "max_cost_ms",
				       json_object_new_int64(err->max_cost_ms));
	}
}

void
reply_release(struct reply *rp)
{
	json_object_put(rp->body);
	rp->body = NULL;
	free(rp->text);
	rp->text = NULL;
}

/* Counts the verdicts of a 200 answer; n: a batch's size, 0 for a
 * single run. */
static void
count_verdicts(const struct reply *rp, size_t n)
{
	json_object *list;
	size_t i;

	if (!rp->body)
		return;
	if (!n) {
		metrics_verdict(rp->verdict);
		return;
	}
	metrics_batch(n);
	list = json_object_object_get(rp->body, "results");
	for (i = 0; i < n; i++)
		metrics_verdict(json_object_get_string(json_object_object_get(
			json_object_array_get_idx(list, i), "status")));
}

void
service_run_code(struct service *s, const char *body, size_t len,
		 struct reply *rp)
{
	struct request_set rs;
	struct llsr_err err;
	struct run_outcome *o = &s->pending;
	int rc;

	s->requests++;
	err_clear(&err);
	if (request_parse_set(&rs, body, len, s->cfg, &err) < 0) {
		reply_error_at(rp, &err);
		return;
	}
	outcome_init(o);
	if (rs.batch)
		rc = runner_run_batch(s->engine, s->cfg, s->uids, &rs, s->owner,
				      pool_take(s), o, &err);
	else
		rc = runner_run(s->engine, s->cfg, s->uids, rs.items, s->owner,
				pool_take(s), o, &err);
	if (rc < 0) {
		log_error("run failed: %s: %s", err.code, err.message);
		reply_error_at(rp, &err);
	} else {
		rp->status = 200;
		rp->body = rs.batch ? result_build_batch(o, &rs)
				    : result_build(o, rs.items);
		if (!rp->body)
			reply_error(rp, 500, "internal_error", "out of memory");
		else if (!rs.batch)
			rp->verdict = json_object_get_string(
				json_object_object_get(rp->body, "status"));
		else
			rp->verdict = "batch";
		count_verdicts(rp, rs.batch ? rs.n : 0);
		if (o->diag.len && !o->report)
			log_warn("harness stderr: %.512s", o->diag.data);
	}
	if (o->container_id[0])
		snprintf(rp->container, sizeof(rp->container), "%.12s",
			 o->container_id);
	request_set_release(&rs);
}

static long
pool_warm_count(struct service *s)
{
	long i, n = 0;

	for (i = 0; i < s->cfg->pool_size; i++)
		n += s->pool[i].id[0] != '\0';
	return n;
}

void
service_health(struct service *s, struct reply *rp)
{
	struct llsr_err err;
	json_object *body, *limits;
	int present = 0;

	if (engine_ping(s->engine, &err) < 0 ||
	    engine_image_present(s->engine, s->cfg->image, &present, &err) <
		    0) {
		reply_error(rp, 503, err.code, err.message);
		return;
	}
	if (!present) {
		char msg[512];

		snprintf(msg, sizeof(msg),
			 "sandbox image '%s' is missing: build it with "
			 "docker/build-image.sh",
			 s->cfg->image);
		reply_error(rp, 503, "image_missing", msg);
		return;
	}
	body = json_object_new_object();
	json_object_object_add(body, "status", json_object_new_string("ok"));
	json_object_object_add(
		body, "engine_api_version",
		json_object_new_string(engine_api_version(s->engine)));
	json_object_object_add(body, "image",
			       json_object_new_string(s->cfg->image));
	json_object_object_add(body, "image_present",
			       json_object_new_boolean(1));
	json_object_object_add(body, "pid", json_object_new_int64(getpid()));
	json_object_object_add(body, "requests",
			       json_object_new_int64((int64_t)s->requests));
	json_object_object_add(body, "state", json_object_new_string("ready"));
	json_object_object_add(body, "pool_size",
			       json_object_new_int64(s->cfg->pool_size));
	json_object_object_add(body, "pool_warm",
			       json_object_new_int64(pool_warm_count(s)));
	/* What a client must fit its requests to, to split a batch before
	 * it is refused rather than after. */
	limits = json_object_new_object();
	json_object_object_add(limits, "timeout_ms",
			       json_object_new_int64(s->cfg->timeout_ms));
	json_object_object_add(limits, "max_batch",
			       json_object_new_int64(s->cfg->max_batch));
	json_object_object_add(
		limits, "max_batch_cost_ms",
		json_object_new_int64(s->cfg->max_batch_cost_ms));
	json_object_object_add(limits, "batch_timeout_ms",
			       json_object_new_int64(s->cfg->batch_timeout_ms));
	json_object_object_add(limits, "max_body_bytes",
			       json_object_new_int64(s->cfg->max_body_bytes));
	json_object_object_add(limits, "max_cases",
			       json_object_new_int64(s->cfg->max_cases));
	json_object_object_add(limits, "max_case_bytes",
			       json_object_new_int64(s->cfg->max_case_bytes));
	json_object_object_add(limits, "case_timeout_ms",
			       json_object_new_int64(s->cfg->case_timeout_ms));
	json_object_object_add(
		limits, "checker_timeout_ms",
		json_object_new_int64(s->cfg->checker_timeout_ms));
	json_object_object_add(
		limits, "checker_memory_mb",
		json_object_new_int64(s->cfg->checker_memory_mb));
	json_object_object_add(
		limits, "checker_output_bytes",
		json_object_new_int64(s->cfg->checker_output_bytes));
	json_object_object_add(body, "limits", limits);
	rp->status = 200;
	rp->body = body;
}

static json_object *
string_or_null(const char *v)
{
	return v && *v ? json_object_new_string(v) : NULL;
}

void
service_version(struct service *s, struct reply *rp)
{
	struct llsr_err err;
	char id[128] = "";
	json_object *body = json_object_new_object(), *lib;

	/* An engine that is down leaves the image id unknown, not the
	 * answer: /version is for telling what runs. */
	if (engine_image_id(s->engine, s->cfg->image, id, sizeof(id), &err) < 0)
		log_warn("/version: %s", err.message);
	json_object_object_add(body, "service",
			       json_object_new_string(PACKAGE_NAME));
	json_object_object_add(body, "version",
			       json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(body, "commit", string_or_null(build_commit));
	json_object_object_add(body, "image",
			       json_object_new_string(s->cfg->image));
	json_object_object_add(body, "image_id", string_or_null(id));
	/* "" in the config: the engine's default runtime (runc unless the
	 * engine is configured otherwise). */
	json_object_object_add(body, "runtime",
			       string_or_null(s->cfg->runtime));
	json_object_object_add(body, "engine_api_version",
			       string_or_null(engine_api_version(s->engine)));
	lib = json_object_new_object();
	json_object_object_add(lib, "json-c",
			       json_object_new_string(json_c_version()));
	json_object_object_add(
		lib, "libcurl",
		json_object_new_string(engine_libcurl_version()));
	json_object_object_add(body, "libraries", lib);
	rp->status = 200;
	rp->body = body;
}

/* Hands the used container to the reaper, or removes it here when the
 * reaper's queue is full (the engine is that far behind). */
static void
release_used(struct service *s)
{
	struct run_outcome *o = &s->pending;

	outcome_release(o);
	if (o->container_id[0] &&
	    reaper_push(s->reaper, o->container_id, &o->lease) < 0 &&
	    runner_drop(s->engine, o->container_id, &o->lease) < 0)
		log_error("container %.12s not removed: the sweeper must "
			  "remove it",
			  o->container_id);
	uids_release(&o->lease); /* (held without a container: none left) */
	o->container_id[0] = '\0';
}

void
service_after(struct service *s)
{
	release_used(s);
	pool_fill(s);
#ifdef HAVE_MALLOC_TRIM
	/* A run's buffers grow with its output (a batch's can reach
	 * report_limit_bytes); without this, glibc keeps the largest run's
	 * heap resident for the life of the worker. */
	malloc_trim(0);
#endif
}

void
service_tick(struct service *s)
{
	struct llsr_err err;
	long i;

	if (sweep_run(s->engine, &err) < 0)
		log_warn("sweeper: %s", err.message);
	reaper_kick(s->reaper);
	/* Replace warm containers that aged or died while we waited. */
	for (i = 0; i < s->cfg->pool_size; i++)
		if (s->pool[i].id[0] &&
		    !runner_warm_usable(s->cfg, &s->pool[i]))
			runner_warm_discard(s->engine, &s->pool[i]);
	service_after(s);
}

unsigned
service_tick_interval(const struct service *s)
{
	long t = s->cfg->pool_max_age_s / 2;

	return (unsigned)(t < 1 ? 1 : t > 60 ? 60 : t);
}
