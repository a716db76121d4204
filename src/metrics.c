#include "config.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "llsr/buf.h"
#include "llsr/metrics.h"

/* The layout of the counters (board_counters): one block per family. A
 * histogram is its buckets (not cumulative: each counts the observations
 * that fell in it, the last one above every bound) and then its sum, in
 * microseconds or units; its _count is the sum of its buckets, so that a
 * scrape never sees +Inf and _count disagree. */

static const int statuses[] = {200, 400, 401, 403, 404, 405, 411, 413,
			       415, 429, 500, 502, 503, 504, 0};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))

static const char *const routes[METRICS_ROUTES] = {"/run_code",	    "/health",
						   "/version",	    "/metrics",
						   "/openapi.json", "other"};

static const char *const verdicts[] = {
	"passed",	"failed",	"error",    "timeout",
	"memory_limit", "output_limit", "no_tests", "other"};
#define NVERDICT (sizeof(verdicts) / sizeof(verdicts[0]))

static const char *const steps[METRICS_STEPS] = {"create",  "attach", "start",
						 "update",  "run",    "kill",
						 "inspect", "remove"};

static const double time_bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1,
				     0.25,  0.5,  1,	 2.5,  5,
				     10,    30,	  60,	 120,  300};
#define NTIME (sizeof(time_bounds) / sizeof(time_bounds[0]))
static const double batch_bounds[] = {1,   2,	5,   10,   20,	 50,
				      100, 200, 500, 1000, 2000, 10000};
#define NBATCH (sizeof(batch_bounds) / sizeof(batch_bounds[0]))

#define TIME_HIST  (NTIME + 2)	/* buckets, +Inf, sum in microseconds */
#define BATCH_HIST (NBATCH + 2) /* buckets, +Inf, sum */

enum {
	C_REQUESTS = 0,
	C_REQUEST_TIME = C_REQUESTS + METRICS_ROUTES * NSTATUS,
	C_VERDICTS = C_REQUEST_TIME + METRICS_ROUTES * TIME_HIST,
	C_STEP_TIME = C_VERDICTS + NVERDICT,
	C_STEP_ERRORS = C_STEP_TIME + METRICS_STEPS * TIME_HIST,
	C_POOL_HITS = C_STEP_ERRORS + METRICS_STEPS,
	C_POOL_MISSES,
	C_BATCH,
	C_END = C_BATCH + BATCH_HIST
};

_Static_assert(C_END <= BOARD_COUNTERS, "the board holds too few counters");

static _Atomic uint64_t local[C_END];
static _Atomic uint64_t *_Atomic counters = local;
static struct board *_Atomic board;
static atomic_long warm_local;

void
metrics_attach(struct board *b)
{
	_Atomic uint64_t *c = board_counters(b);
	size_t i;

	/* What this process counted before (its start-up's engine steps)
	 * moves to the board. */
	for (i = 0; c && i < C_END; i++)
		atomic_fetch_add(&c[i], atomic_exchange(&local[i], 0));
	atomic_store(&counters, c ? c : local);
	atomic_store(&board, b);
	board_post(b, atomic_load(&warm_local));
}

static void
add(size_t i, uint64_t n)
{
	atomic_fetch_add(&atomic_load(&counters)[i], n);
}

static void
observe(size_t base, const double *bounds, size_t nb, double v, uint64_t sum)
{
	size_t i;

	for (i = 0; i < nb && v > bounds[i]; i++)
		;
	add(base + i, 1);
	add(base + nb + 1, sum);
}

static uint64_t
micros(double seconds)
{
	return seconds > 0 ? (uint64_t)(seconds * 1e6 + 0.5) : 0;
}

enum metrics_route
metrics_route_of(const char *path, size_t plen)
{
	int i;

	for (i = 0; i < METRICS_ROUTE_OTHER; i++)
		if (strlen(routes[i]) == plen &&
		    memcmp(path, routes[i], plen) == 0)
			return (enum metrics_route)i;
	return METRICS_ROUTE_OTHER;
}

void
metrics_request(enum metrics_route route, int status, double seconds)
{
	size_t s;

	if ((unsigned)route >= METRICS_ROUTES)
		route = METRICS_ROUTE_OTHER;
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	add(C_REQUESTS + (size_t)route * NSTATUS + s, 1);
	observe(C_REQUEST_TIME + (size_t)route * TIME_HIST, time_bounds, NTIME,
		seconds, micros(seconds));
}

void
metrics_verdict(const char *verdict)
{
	size_t v;

	for (v = 0; v < NVERDICT - 1 &&
		    (!verdict || strcmp(verdicts[v], verdict) != 0);
	     v++)
		;
	add(C_VERDICTS + v, 1);
}

void
metrics_step(enum metrics_step step, double ms, int failed)
{
	if ((unsigned)step >= METRICS_STEPS)
		return;
	observe(C_STEP_TIME + (size_t)step * TIME_HIST, time_bounds, NTIME,
		ms / 1000, micros(ms / 1000));
	if (failed)
		add(C_STEP_ERRORS + (size_t)step, 1);
}

void
metrics_pool(int hit)
{
	add(hit ? C_POOL_HITS : C_POOL_MISSES, 1);
}

void
metrics_batch(size_t n)
{
	observe(C_BATCH, batch_bounds, NBATCH, (double)n, n);
}

void
metrics_warm(long n)
{
	struct board *b = atomic_load(&board);

	atomic_store(&warm_local, n);
	board_post(b, n);
}

static uint64_t
get(size_t i)
{
	return atomic_load(&atomic_load(&counters)[i]);
}

/* One histogram's series; labels is "" or `name="value",`. */
static void
histogram(struct buf *o, const char *name, const char *labels, size_t base,
	  const double *bounds, size_t nb, double sum_scale)
{
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < nb; i++) {
		cum += get(base + i);
		buf_printf(o, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels,
			   bounds[i], (unsigned long long)cum);
	}
	cum += get(base + nb);
	buf_printf(o, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels,
		   (unsigned long long)cum);
	/* The labels without their trailing comma. */
	buf_printf(o, "%s_sum%s%.*s%s %.6f\n", name, *labels ? "{" : "",
		   (int)(*labels ? strlen(labels) - 1 : 0), labels,
		   *labels ? "}" : "", (double)get(base + nb + 1) * sum_scale);
	buf_printf(o, "%s_count%s%.*s%s %llu\n", name, *labels ? "{" : "",
		   (int)(*labels ? strlen(labels) - 1 : 0), labels,
		   *labels ? "}" : "", (unsigned long long)cum);
}

static void
head(struct buf *o, const char *name, const char *type, const char *help)
{
	buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *
metrics_render(long pool_size, const char *build_labels, size_t *len)
{
	struct buf o;
	char labels[64];
	long warm;
	int workers = 0;
	size_t r, s, i;
	char *text;

	buf_init(&o, 1u << 20);
	warm = board_sum(atomic_load(&board), &workers);
	if (!atomic_load(&board)) {
		warm = atomic_load(&warm_local);
		workers = 1;
	}
	head(&o, "llsr_build_info", "gauge",
	     "The service's build: always 1, the facts are in the labels.");
	buf_printf(&o, "llsr_build_info{%s} 1\n", build_labels);
	head(&o, "llsr_http_requests_total", "counter",
	     "Requests answered by the workers, by route and HTTP status.");
	for (r = 0; r < METRICS_ROUTES; r++)
		for (s = 0; s < NSTATUS; s++) {
			uint64_t n = get(C_REQUESTS + r * NSTATUS + s);
			char code[16];

			/* Every route's 200 is there from the start; other
			 * statuses once they happened. */
			if (!n && statuses[s] != 200)
				continue;
			if (statuses[s])
				snprintf(code, sizeof(code), "%d", statuses[s]);
			else
				snprintf(code, sizeof(code), "other");
			buf_printf(&o,
				   "llsr_http_requests_total{route=\"%s\","
				   "code=\"%s\"} %llu\n",
				   routes[r], code, (unsigned long long)n);
		}
	head(&o, "llsr_http_request_duration_seconds", "histogram",
	     "Time from a request's parameters read to its answer sent.");
	for (r = 0; r < METRICS_ROUTES; r++) {
		snprintf(labels, sizeof(labels), "route=\"%s\",", routes[r]);
		histogram(&o, "llsr_http_request_duration_seconds", labels,
			  C_REQUEST_TIME + r * TIME_HIST, time_bounds, NTIME,
			  1e-6);
	}
	head(&o, "llsr_verdicts_total", "counter",
	     "Submissions judged, by verdict (each of a batch's counts).");
	for (i = 0; i < NVERDICT; i++)
		buf_printf(&o, "llsr_verdicts_total{verdict=\"%s\"} %llu\n",
			   verdicts[i],
			   (unsigned long long)get(C_VERDICTS + i));
	head(&o, "llsr_engine_step_duration_seconds", "histogram",
	     "Duration of each engine step of a run, failed ones included.");
	for (i = 0; i < METRICS_STEPS; i++) {
		snprintf(labels, sizeof(labels), "step=\"%s\",", steps[i]);
		histogram(&o, "llsr_engine_step_duration_seconds", labels,
			  C_STEP_TIME + i * TIME_HIST, time_bounds, NTIME,
			  1e-6);
	}
	head(&o, "llsr_engine_errors_total", "counter",
	     "Engine steps that failed, by step.");
	for (i = 0; i < METRICS_STEPS; i++)
		buf_printf(&o, "llsr_engine_errors_total{step=\"%s\"} %llu\n",
			   steps[i],
			   (unsigned long long)get(C_STEP_ERRORS + i));
	head(&o, "llsr_warm_pool_containers", "gauge",
	     "Warm containers ready now, over all live workers.");
	buf_printf(&o, "llsr_warm_pool_containers %ld\n", warm);
	head(&o, "llsr_warm_pool_target_containers", "gauge",
	     "Warm containers the live workers keep when they can "
	     "(pool_size each).");
	buf_printf(&o, "llsr_warm_pool_target_containers %ld\n",
		   pool_size * workers);
	head(&o, "llsr_warm_pool_hits_total", "counter",
	     "Runs that took a warm container.");
	buf_printf(&o, "llsr_warm_pool_hits_total %llu\n",
		   (unsigned long long)get(C_POOL_HITS));
	head(&o, "llsr_warm_pool_misses_total", "counter",
	     "Runs that had to make a container while the client waited.");
	buf_printf(&o, "llsr_warm_pool_misses_total %llu\n",
		   (unsigned long long)get(C_POOL_MISSES));
	head(&o, "llsr_workers", "gauge", "Live workers of the pool.");
	buf_printf(&o, "llsr_workers %d\n", workers);
	head(&o, "llsr_batch_size_submissions", "histogram",
	     "Submissions per batch run.");
	histogram(&o, "llsr_batch_size_submissions", "", C_BATCH, batch_bounds,
		  NBATCH, 1);
	text = buf_detach(&o, len);
	buf_release(&o);
	return text;
}
