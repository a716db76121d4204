#include "config.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "llsr/log.h"
#include "llsr/reaper.h"

/* Enough for libcurl, a resolver call and a log line. */
#define REAPER_STACK (512u << 10)

struct reaper {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct engine *engine; /* the thread's own connection */
	char todo[REAPER_QUEUE][ENGINE_ID_LEN + 1];
	size_t ntodo;
	char failed[REAPER_QUEUE][ENGINE_ID_LEN + 1];
	size_t nfailed;
	int quit;
};

static void *
reaper_main(void *arg)
{
	struct reaper *r = arg;

	for (;;) {
		char id[ENGINE_ID_LEN + 1];
		struct llsr_err err;

		pthread_mutex_lock(&r->mu);
		while (!r->ntodo && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		if (!r->ntodo) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		memcpy(id, r->todo[0], sizeof(id));
		r->ntodo--;
		memmove(r->todo[0], r->todo[1], r->ntodo * sizeof(r->todo[0]));
		pthread_mutex_unlock(&r->mu);

		if (engine_remove(r->engine, id, &err) == 0)
			continue;
		log_error("removing container %.12s: %s", id, err.message);
		pthread_mutex_lock(&r->mu);
		if (r->nfailed < REAPER_QUEUE)
			memcpy(r->failed[r->nfailed++], id, sizeof(id));
		else
			log_error("container %.12s not removed and no room to "
				  "retry: the sweeper must remove it",
				  id);
		pthread_mutex_unlock(&r->mu);
	}
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
reaper_push(struct reaper *r, const char *id)
{
	int rc = -1;

	pthread_mutex_lock(&r->mu);
	if (r->ntodo < REAPER_QUEUE) {
		snprintf(r->todo[r->ntodo++], ENGINE_ID_LEN + 1, "%s", id);
		pthread_cond_signal(&r->cv);
		rc = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int
reaper_failed(struct reaper *r, char id[ENGINE_ID_LEN + 1])
{
	int found = 0;

	pthread_mutex_lock(&r->mu);
	if (r->nfailed) {
		memcpy(id, r->failed[--r->nfailed], ENGINE_ID_LEN + 1);
		found = 1;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
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
	for (i = 0; i < r->nfailed; i++)
		log_error("container %.12s was not removed: the sweeper must "
			  "remove it",
			  r->failed[i]);
	engine_free(r->engine);
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
