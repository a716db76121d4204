#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/clock.h"
#include "llsr/log.h"
#include "llsr/metrics.h"
#include "llsr/reaper.h"

/* Enough for libcurl, a resolver call and a log line. */
#define REAPER_STACK (512u << 10)

typedef char reaper_id[ENGINE_ID_LEN + 1];

/* A container to remove and the uid it holds until it is gone. */
struct job {
	reaper_id id;
	struct uid_lease lease;
};

/* Every container waiting here holds a uid: todo, failed, the retries of a
 * round and the one in hand. config.h counts them per worker. */
_Static_assert(3 * REAPER_QUEUE + 2 <= CONFIG_UIDS_PER_WORKER,
	       "CONFIG_UIDS_PER_WORKER counts the reaper's queues");

struct reaper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct engine *engine; /* the thread's own connection */
	struct job todo[REAPER_QUEUE];
	size_t ntodo;
	struct job failed[REAPER_QUEUE];
	size_t nfailed;
	int kick; /* a round without new work: retry the failed ones */
	int quit;
};

/* Called and returns with r->mu held; the engine call is made without it.
 * A failure is kept for a retry (logged the first time only). */
static void
remove_one(struct reaper *r, const struct job *j, int retry)
{
	struct llsr_err err;
	struct job copy = *j;
	double t0;
	int rc;

	pthread_mutex_unlock(&r->mu);
	t0 = clock_now_msf();
	rc = engine_remove(r->engine, copy.id, &err);
	metrics_step(METRICS_STEP_REMOVE, clock_now_msf() - t0, rc < 0);
	if (rc < 0 && !retry)
		log_error("removing container %.12s: %s", copy.id, err.message);
	if (rc == 0)
		uids_release(&copy.lease);
	pthread_mutex_lock(&r->mu);
	if (rc == 0)
		return;
	if (r->nfailed < REAPER_QUEUE) {
		r->failed[r->nfailed++] = copy;
	} else {
		log_error("container %.12s not removed and no room to retry: "
			  "the sweeper must remove it",
			  copy.id);
		uids_abandon(&copy.lease);
	}
}

static void *
reaper_main(void *arg)
{
	struct reaper *r = arg;
	struct job retry[REAPER_QUEUE];
	size_t nretry, n, i;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		while (!r->ntodo && !r->kick && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->ntodo && !r->kick)
			break; /* quit, and nothing left to do */
		/* Each round retries what failed before it, not what fails in
		 * it: a refused removal is tried again at the next push or
		 * kick, never in a loop. */
		nretry = r->nfailed;
		memcpy(retry, r->failed, nretry * sizeof(retry[0]));
		r->nfailed = 0;
		r->kick = 0;
		/* Only what was queued when the round began: a push during it
		 * starts the next round, which retries this one's failures. */
		for (n = r->ntodo; n > 0; n--) {
			struct job j = r->todo[0];

			r->ntodo--;
			memmove(&r->todo[0], &r->todo[1],
				r->ntodo * sizeof(r->todo[0]));
			remove_one(r, &j, 0);
		}
		for (i = 0; i < nretry; i++)
			remove_one(r, &retry[i], 1);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct reaper *
reaper_new(const struct config *cfg)
{
	struct reaper *r = calloc(1, sizeof(*r));
	pthread_attr_t attr;
	sigset_t all, old;
	int rc;

	if (!r)
		return NULL;
	r->engine = engine_new(cfg);
	if (!r->engine) {
		free(r);
		return NULL;
	}
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	/* The thread inherits the mask: signals stay the main thread's. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, REAPER_STACK);
	rc = pthread_create(&r->thread, &attr, reaper_main, r);
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		engine_free(r->engine);
		pthread_cond_destroy(&r->cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	return r;
}

int
reaper_push(struct reaper *r, const char *id, struct uid_lease *lease)
{
	int rc = -1;

	pthread_mutex_lock(&r->mu);
	if (r->ntodo < REAPER_QUEUE) {
		struct job *j = &r->todo[r->ntodo++];

		snprintf(j->id, sizeof(j->id), "%s", id);
		j->lease = *lease;
		memset(lease, 0, sizeof(*lease));
		pthread_cond_signal(&r->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

void
reaper_kick(struct reaper *r)
{
	pthread_mutex_lock(&r->mu);
	r->kick = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

void
reaper_free(struct reaper *r)
{
	size_t i;

	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->quit = 1;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	pthread_join(r->thread, NULL);
	/* The thread is gone: its connection is ours for a last try. */
	for (i = 0; i < r->nfailed; i++) {
		if (engine_remove(r->engine, r->failed[i].id, NULL) == 0) {
			uids_release(&r->failed[i].lease);
			continue;
		}
		log_error("container %.12s was not removed: the sweeper must "
			  "remove it",
			  r->failed[i].id);
		uids_abandon(&r->failed[i].lease);
	}
	engine_free(r->engine);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
