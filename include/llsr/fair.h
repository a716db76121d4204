#ifndef LLSR_FAIR_H
#define LLSR_FAIR_H
/* Fair shares: per-client limits that every worker of one pool enforces
 * together. A client is a key string (its bearer token's number, or its
 * address); each key has a concurrency limit (requests of it in service at
 * once) and a rate (a token bucket: rate requests per second, up to burst
 * at once after an idle time).
 *
 * The state lives in a small shared-memory table (POSIX shm, named after
 * the pool's listening socket like the board), guarded by one robust,
 * process-shared mutex: a worker that dies holding it does not block the
 * others (the next locker repairs it).
 *
 * Concurrency is not a counter that a crashed worker could leave
 * incremented: each worker posts, in a slot of its own, the key of the
 * request it serves (with its pid and since when); a key's concurrency is
 * the number of slots posting it whose pid is alive and whose request is
 * younger than hold_max_ms. A worker that dies mid-request therefore frees
 * its share at once (its pid is gone), and even a reused pid frees it after
 * hold_max_ms. */

#include <stdint.h>

/* One client's limits; 0 in concurrency or rate means unlimited. */
struct fair_limits {
	long concurrency;
	double rate; /* requests per second */
	long burst;  /* tokens the bucket holds, >= 1 */
};

/* A token bucket in millionths of a token, so that refills are exact. */
struct fair_bucket {
	int64_t tokens_u; /* millionths of a token */
	int64_t last_ms;  /* the time of the last refill */
	int primed;	  /* 0: never used, full */
};

/* Takes one token from b at time now_ms (monotonic milliseconds). Returns
 * 0 when one was there; -1 when the bucket is empty, and then *wait_ms
 * (can be NULL) is how long until the next token. rate <= 0 never refuses.
 * A clock that goes back (now_ms before the last refill) refills nothing
 * and never throws tokens away; a huge forward jump fills the bucket to
 * burst and no further; a burst below 1 counts as 1. */
int fair_bucket_take(struct fair_bucket *b, double rate, long burst,
		     int64_t now_ms, int64_t *wait_ms);

/* Whether a bucket left alone since its last refill is full again at now_ms
 * (then it is the same as a fresh one and its entry can be reused). */
int fair_bucket_full(const struct fair_bucket *b, double rate, long burst,
		     int64_t now_ms);

enum fair_verdict {
	FAIR_ADMITTED = 0,
	FAIR_CONCURRENCY = 1, /* the key has lim->concurrency in service */
	FAIR_RATE = 2	      /* the key's bucket is empty */
};

struct fair;

/* Opens (creating it if need be) the table of the pool listening on
 * listen_fd. hold_max_ms: the longest a request can be in service; a slot
 * posted for longer is stale. When shared memory cannot be had, the table
 * is private to this process (limits then hold per worker) and *shared is
 * set to 0 (shared can be NULL). NULL only on ENOMEM. */
struct fair *fair_open(int listen_fd, int64_t hold_max_ms, int *shared);

/* The same on a table of a given shm name ("/llsr-fair-..."), for tests. */
struct fair *fair_open_name(const char *name, int64_t hold_max_ms, int *shared);

/* Removes the shm name (the mapping of open tables stays valid). */
void fair_unlink_name(const char *name);

/* Admits a request of key (borrowed) at now_ms under lim, or refuses it:
 * returns an enum fair_verdict. When admitted, this process's slot posts
 * key until fair_leave; *retry_ms (can be NULL) is set when refused: how
 * long until the bucket has a token, or 1000 for concurrency. A process
 * serves one request at a time: entering again replaces the old key. When
 * every slot is taken by live workers, the request is admitted unaccounted
 * (logged once). f can be NULL: everything is admitted. */
int fair_enter(struct fair *f, const char *key, const struct fair_limits *lim,
	       int64_t now_ms, int64_t *retry_ms);

/* The request admitted by fair_enter is out of service. f can be NULL. */
void fair_leave(struct fair *f);

/* How many requests of key are in service at now_ms, by the rule above. */
long fair_inflight(struct fair *f, const char *key, int64_t now_ms);

/* The highest concurrency of any one key ever admitted (the admitted
 * request included), and the number of refusals, since the table was
 * created; for /health. */
long fair_peak(struct fair *f);
unsigned long fair_refused(struct fair *f);

/* For tests only: takes the table's lock and keeps it (a process that then
 * dies holding it shows that the lock is repaired). */
void fair_test_hold_lock(struct fair *f);

/* Frees the slot and unmaps; f can be NULL. */
void fair_close(struct fair *f);

#endif
