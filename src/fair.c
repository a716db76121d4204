#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "llsr/board.h"
#include "llsr/fair.h"
#include "llsr/log.h"

#define FAIR_WORKERS 256  /* slots: workers of one pool */
#define FAIR_KEYS    4096 /* token buckets: clients seen recently */
#define FAIR_PROBE   32	  /* entries looked at for one key */
#define MICRO	     1000000LL

/* A layout change gets a new version, hence a new shm name: a table of an
 * older binary is never read with this one's layout. */
#define FAIR_VERSION 1
enum { TABLE_EMPTY = 0, TABLE_INIT = 1, TABLE_READY = 2 };

struct holder {
	int pid;	  /* 0: free */
	uint64_t key;	  /* 0: idle */
	int64_t since_ms; /* when the request was admitted */
};

struct entry {
	uint64_t key; /* 0: free */
	struct fair_bucket bucket;
	double rate; /* of the last use, to tell when it is full again */
	long burst;
};

struct table {
	atomic_uint state;
	pthread_mutex_t mu; /* robust, process-shared; guards what follows */
	long peak;
	unsigned long refused;
	struct holder w[FAIR_WORKERS];
	struct entry e[FAIR_KEYS];
};

struct fair {
	struct table *t;
	char name[64]; /* of the shm, "" when private */
	int64_t hold_max_ms;
	int broken; /* the lock is not recoverable: admit everything */
	int warned; /* slots full, logged */
};

/* ---- token bucket ---- */

static long
burst_of(long burst)
{
	return burst < 1 ? 1 : burst;
}

/* Millionths of a token per millisecond, at least 1 for any rate > 0. */
static int64_t
per_ms_u(double rate)
{
	double r = rate * 1000.0;

	if (r >= 1e15)
		return (int64_t)1e15;
	return r < 1.0 ? 1 : (int64_t)(r + 0.5);
}

static void
refill(struct fair_bucket *b, double rate, long burst, int64_t now_ms)
{
	int64_t cap = (int64_t)burst_of(burst) * MICRO, rpm = per_ms_u(rate);
	uint64_t dt;

	if (!b->primed) {
		b->tokens_u = cap;
		b->last_ms = now_ms;
		b->primed = 1;
		return;
	}
	if (b->tokens_u > cap)
		b->tokens_u = cap; /* the burst was lowered */
	if (now_ms <= b->last_ms)
		return; /* the clock went back, or another worker's later now */
	/* In unsigned arithmetic: the difference of any two int64 fits, and
	 * it is compared before it is multiplied. */
	dt = (uint64_t)now_ms - (uint64_t)b->last_ms;
	if (b->tokens_u >= cap ||
	    dt >= (uint64_t)((cap - b->tokens_u) / rpm + 1))
		b->tokens_u = cap;
	else
		b->tokens_u += (int64_t)dt * rpm;
	if (b->tokens_u > cap)
		b->tokens_u = cap;
	b->last_ms = now_ms;
}

int
fair_bucket_take(struct fair_bucket *b, double rate, long burst, int64_t now_ms,
		 int64_t *wait_ms)
{
	int64_t rpm;

	if (!(rate > 0))
		return 0;
	refill(b, rate, burst, now_ms);
	if (b->tokens_u >= MICRO) {
		b->tokens_u -= MICRO;
		return 0;
	}
	rpm = per_ms_u(rate);
	if (wait_ms)
		*wait_ms = (MICRO - b->tokens_u + rpm - 1) / rpm;
	return -1;
}

int
fair_bucket_full(const struct fair_bucket *b, double rate, long burst,
		 int64_t now_ms)
{
	struct fair_bucket c = *b;

	if (!b->primed || !(rate > 0))
		return 1;
	refill(&c, rate, burst, now_ms);
	return c.tokens_u >= (int64_t)burst_of(burst) * MICRO;
}

/* ---- the shared table ---- */

static uint64_t
key_hash(const char *key)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	return h ? h : 1; /* 0 means free */
}

static int
alive(int pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

/* 0 with the lock held; -1 when it cannot be had (then admit). */
static int
lock(struct fair *f)
{
	int rc;

	if (f->broken)
		return -1;
	rc = pthread_mutex_lock(&f->t->mu);
	if (rc == EOWNERDEAD) {
		/* A worker died holding it. Every update below leaves the
		 * table usable at any point, so it is consistent as it is. */
		log_warn("fair shares: a worker died holding the table's "
			 "lock; repaired");
		pthread_mutex_consistent(&f->t->mu);
		rc = 0;
	}
	if (rc != 0) {
		log_error("fair shares: the table's lock is unusable (%s): "
			  "client limits are off",
			  strerror(rc));
		f->broken = 1;
		return -1;
	}
	return 0;
}

static void
unlock(struct fair *f)
{
	pthread_mutex_unlock(&f->t->mu);
}

static int
init_table(struct table *t)
{
	pthread_mutexattr_t a;
	int rc;

	if (pthread_mutexattr_init(&a) != 0)
		return -1;
	rc = pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED) ||
	     pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) ||
	     pthread_mutex_init(&t->mu, &a);
	pthread_mutexattr_destroy(&a);
	return rc ? -1 : 0;
}

/* Makes t ready: the first process initialises it, the others wait for it
 * (at most 2 s: one that died initialising leaves it unusable). */
static int
ready(struct table *t)
{
	unsigned expect = TABLE_EMPTY;
	struct timespec ms = {0, 1000000};
	int i;

	if (atomic_compare_exchange_strong(&t->state, &expect, TABLE_INIT)) {
		if (init_table(t) < 0)
			return -1;
		atomic_store(&t->state, TABLE_READY);
		return 0;
	}
	for (i = 0; i < 2000 && atomic_load(&t->state) != TABLE_READY; i++)
		nanosleep(&ms, NULL);
	return atomic_load(&t->state) == TABLE_READY ? 0 : -1;
}

static struct holder *my_slot(struct fair *f);

static struct table *
map_shared(const char *name)
{
	struct table *t;
	int fd;

	fd = shm_open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, sizeof(struct table)) < 0) {
		close(fd);
		return NULL;
	}
	t = mmap(NULL, sizeof(struct table), PROT_READ | PROT_WRITE, MAP_SHARED,
		 fd, 0);
	close(fd);
	if (t == MAP_FAILED)
		return NULL;
	if (ready(t) < 0) {
		munmap(t, sizeof(struct table));
		return NULL;
	}
	return t;
}

struct fair *
fair_open_name(const char *name, int64_t hold_max_ms, int *shared)
{
	struct fair *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->hold_max_ms = hold_max_ms;
	f->t = name ? map_shared(name) : NULL;
	if (shared)
		*shared = f->t != NULL;
	if (f->t) {
		snprintf(f->name, sizeof(f->name), "%s", name);
		/* A slot now, so that a closing worker sees this one. */
		if (lock(f) == 0) {
			my_slot(f);
			unlock(f);
		}
	}
	if (!f->t) {
		f->t = mmap(NULL, sizeof(struct table), PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (f->t == MAP_FAILED || ready(f->t) < 0) {
			if (f->t != MAP_FAILED)
				munmap(f->t, sizeof(struct table));
			free(f);
			return NULL;
		}
	}
	return f;
}

/* Named after the pool's socket, as the board is (board_socket_id). */
struct fair *
fair_open(int listen_fd, int64_t hold_max_ms, int *shared)
{
	char name[64];

	snprintf(name, sizeof(name), "/llsr-fair%d-%016llx", FAIR_VERSION,
		 (unsigned long long)board_socket_id(listen_fd));
	return fair_open_name(name, hold_max_ms, shared);
}

void
fair_unlink_name(const char *name)
{
	shm_unlink(name);
}

/* Whether slot w counts as a request in service at now_ms. */
static int
holding(const struct fair *f, const struct holder *w, int64_t now_ms)
{
	int stale = now_ms > w->since_ms &&
		    (uint64_t)now_ms - (uint64_t)w->since_ms >=
			    (uint64_t)f->hold_max_ms;

	return w->pid && w->key && !stale && alive(w->pid);
}

static long
count_key(struct fair *f, uint64_t key, int64_t now_ms)
{
	long n = 0;
	int i;

	for (i = 0; i < FAIR_WORKERS; i++)
		if (f->t->w[i].key == key && holding(f, &f->t->w[i], now_ms))
			n++;
	return n;
}

/* This process's slot: the one posting its pid, else a free one or one
 * whose process is gone. NULL when every slot has a live process. */
static struct holder *
my_slot(struct fair *f)
{
	struct holder *free_slot = NULL;
	int i, me = (int)getpid();

	for (i = 0; i < FAIR_WORKERS; i++) {
		struct holder *w = &f->t->w[i];

		if (w->pid == me)
			return w;
		if (!free_slot && (w->pid == 0 || !alive(w->pid)))
			free_slot = w;
	}
	if (free_slot) {
		free_slot->pid = me;
		free_slot->key = 0;
	}
	return free_slot;
}

/* The bucket of key: its entry, else a free one (never used, or full
 * again, which is the same), else the least recently refilled of the
 * probed ones (a flood of distinct clients resets the quietest). */
static struct fair_bucket *
bucket_of(struct fair *f, uint64_t key, const struct fair_limits *lim,
	  int64_t now_ms)
{
	struct entry *pick = NULL, *oldest = NULL;
	int i;

	for (i = 0; i < FAIR_PROBE; i++) {
		struct entry *e = &f->t->e[(key + (uint64_t)i) % FAIR_KEYS];

		if (e->key == key) {
			pick = e;
			break;
		}
		if (!pick &&
		    (e->key == 0 ||
		     fair_bucket_full(&e->bucket, e->rate, e->burst, now_ms)))
			pick = e;
		if (!oldest || e->bucket.last_ms < oldest->bucket.last_ms)
			oldest = e;
	}
	if (!pick)
		pick = oldest;
	if (pick->key != key) {
		memset(pick, 0, sizeof(*pick));
		pick->key = key;
	}
	pick->rate = lim->rate;
	pick->burst = lim->burst;
	return &pick->bucket;
}

int
fair_enter(struct fair *f, const char *key, const struct fair_limits *lim,
	   int64_t now_ms, int64_t *retry_ms)
{
	uint64_t k = key_hash(key);
	struct holder *me;
	int64_t wait = 1000;
	int verdict = FAIR_ADMITTED;
	long n;

	if (!f || lock(f) < 0)
		return FAIR_ADMITTED;
	me = my_slot(f);
	if (me)
		me->key = 0; /* a request left without fair_leave */
	if (lim->rate > 0 &&
	    fair_bucket_take(bucket_of(f, k, lim, now_ms), lim->rate,
			     lim->burst, now_ms, &wait) < 0) {
		verdict = FAIR_RATE;
	} else {
		n = count_key(f, k, now_ms);
		if (lim->concurrency > 0 && n >= lim->concurrency) {
			verdict = FAIR_CONCURRENCY;
			wait = 1000;
		} else if (me) {
			me->key = k;
			me->since_ms = now_ms;
			if (n + 1 > f->t->peak)
				f->t->peak = n + 1;
		} else if (!f->warned) {
			f->warned = 1;
			log_warn("fair shares: every slot of the table is "
				 "taken; requests are admitted unaccounted");
		}
	}
	if (verdict != FAIR_ADMITTED)
		f->t->refused++;
	unlock(f);
	if (verdict != FAIR_ADMITTED && retry_ms)
		*retry_ms = wait;
	return verdict;
}

void
fair_leave(struct fair *f)
{
	int i, me = (int)getpid();

	if (!f || lock(f) < 0)
		return;
	for (i = 0; i < FAIR_WORKERS; i++)
		if (f->t->w[i].pid == me)
			f->t->w[i].key = 0;
	unlock(f);
}

long
fair_inflight(struct fair *f, const char *key, int64_t now_ms)
{
	long n;

	if (!f || lock(f) < 0)
		return 0;
	n = count_key(f, key_hash(key), now_ms);
	unlock(f);
	return n;
}

long
fair_peak(struct fair *f)
{
	long n;

	if (!f || lock(f) < 0)
		return 0;
	n = f->t->peak;
	unlock(f);
	return n;
}

unsigned long
fair_refused(struct fair *f)
{
	unsigned long n;

	if (!f || lock(f) < 0)
		return 0;
	n = f->t->refused;
	unlock(f);
	return n;
}

void
fair_test_hold_lock(struct fair *f)
{
	lock(f);
}

/* The last worker of the pool to close removes the name, so that stopped
 * pools leave nothing in /dev/shm. (A worker that opens it meanwhile keeps
 * a table of its own until the pool restarts: limits are then per part of
 * the pool for a while, never off.) */
void
fair_close(struct fair *f)
{
	int i, me = (int)getpid(), others = 0;

	if (!f)
		return;
	if (lock(f) == 0) {
		for (i = 0; i < FAIR_WORKERS; i++) {
			struct holder *w = &f->t->w[i];

			if (w->pid == me)
				memset(w, 0, sizeof(*w));
			else if (w->pid && alive(w->pid))
				others++;
		}
		if (!others && f->name[0])
			shm_unlink(f->name);
		unlock(f);
	}
	munmap(f->t, sizeof(struct table));
	free(f);
}
