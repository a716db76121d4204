#ifndef LLSR_METRICS_H
#define LLSR_METRICS_H
/* Prometheus metrics of the pool: counters and histograms kept in the
 * board's shared counters (board.h), so that every worker of one pool
 * counts into the same numbers and any of them answers GET /metrics for
 * all. Without a board a worker counts for itself. Every call is safe from
 * any thread (atomics). The names and their meaning: docs/metrics.md. */

#include <stddef.h>

#include "llsr/board.h"

enum metrics_route {
	METRICS_ROUTE_RUN_CODE,
	METRICS_ROUTE_HEALTH,
	METRICS_ROUTE_VERSION,
	METRICS_ROUTE_METRICS,
	METRICS_ROUTE_OPENAPI,
	METRICS_ROUTE_OTHER,
	METRICS_ROUTES
};

/* The engine steps of a run, as in runner.c. */
enum metrics_step {
	METRICS_STEP_CREATE,
	METRICS_STEP_ATTACH,
	METRICS_STEP_START,
	METRICS_STEP_UPDATE, /* a warm container resized to the request */
	METRICS_STEP_RUN,    /* the job handed over until the report */
	METRICS_STEP_KILL,
	METRICS_STEP_INSPECT,
	METRICS_STEP_REMOVE,
	METRICS_STEPS
};

/* Counts into b's shared counters from now on (b borrowed; NULL: into
 * this process's own). Call before any other, and with NULL before b is
 * closed. */
void metrics_attach(struct board *b);

/* The route of a request path (plen bytes of path). */
enum metrics_route metrics_route_of(const char *path, size_t plen);

/* One answered request: its route, HTTP status and duration. */
void metrics_request(enum metrics_route route, int status, double seconds);

/* One submission's verdict (a batch counts each of its submissions). */
void metrics_verdict(const char *verdict);

/* One engine step that took ms milliseconds; failed: it returned an
 * error. */
void metrics_step(enum metrics_step step, double ms, int failed);

/* A run that found a usable warm container (hit) or had to make one. */
void metrics_pool(int hit);

/* A batch of n submissions that was run. */
void metrics_batch(size_t n);

/* This worker's warm containers now. */
void metrics_warm(long n);

/* The text exposition (format 0.0.4) of everything counted, with
 * pool_size (config) for the warm pool's target; build_labels is the
 * label set of llsr_build_info, e.g. version="1.0". A new string (caller
 * frees), *len its length; NULL on ENOMEM. */
char *metrics_render(long pool_size, const char *build_labels, size_t *len);

#endif
