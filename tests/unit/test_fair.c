#include "config.h"

#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llsr/fair.h"
#include "tap_main.h"

/* ---- the token bucket ---- */

START_TEST(bucket_starts_full_then_refuses)
{
	struct fair_bucket b = {0};
	int64_t wait = -1;
	int i;

	/* burst 3: three at once, the fourth waits 1000/rate ms. */
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(fair_bucket_take(&b, 2.0, 3, 1000, &wait), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 2.0, 3, 1000, &wait), -1);
	ck_assert_int_eq(wait, 500);
	/* 499 ms later: still not a whole token, 1 ms to go. */
	ck_assert_int_eq(fair_bucket_take(&b, 2.0, 3, 1499, &wait), -1);
	ck_assert_int_eq(wait, 1);
	ck_assert_int_eq(fair_bucket_take(&b, 2.0, 3, 1500, &wait), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 2.0, 3, 1500, &wait), -1);
}
END_TEST

START_TEST(bucket_rate_is_exact_over_time)
{
	struct fair_bucket b = {0};
	int64_t t;
	int got = 0;

	/* 10 per second with burst 1, asked every ms for 10 s: 1 + 100. */
	for (t = 0; t <= 10000; t++)
		got += fair_bucket_take(&b, 10.0, 1, t, NULL) == 0;
	ck_assert_int_eq(got, 101);
	/* A rate that is no whole number of tokens per ms, 3 per second, and
	 * a burst of 2 so that the cap never cuts the fraction: 2 + 30. */
	memset(&b, 0, sizeof(b));
	got = 0;
	for (t = 0; t <= 10000; t++)
		got += fair_bucket_take(&b, 3.0, 2, t, NULL) == 0;
	ck_assert_int_eq(got, 32);
}
END_TEST

START_TEST(bucket_unlimited_and_small_burst)
{
	struct fair_bucket b = {0};
	int i;

	for (i = 0; i < 100000; i++)
		ck_assert_int_eq(fair_bucket_take(&b, 0, 1, 0, NULL), 0);
	/* burst 0 or negative counts as 1. */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 0, 0, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 0, 0, NULL), -1);
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, -5, 0, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, -5, 0, NULL), -1);
	/* A tiny rate still refills, eventually. */
	ck_assert_int_eq(fair_bucket_take(&b, 0.0001, 1, 9999999, NULL), 0);
}
END_TEST

START_TEST(bucket_clock_goes_back)
{
	struct fair_bucket b = {0};
	int64_t wait = 0;

	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 10000, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 10000, NULL), 0);
	/* Back in time: nothing refills, and nothing is lost. */
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 5000, &wait), -1);
	ck_assert_int_eq(wait, 1000);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, -1000000, &wait), -1);
	/* Forward again from the last refill (10000), not from 5000. */
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 10999, NULL), -1);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 11000, NULL), 0);
}
END_TEST

START_TEST(bucket_huge_jumps)
{
	struct fair_bucket b = {0};
	int i;

	/* From the most negative time to the largest: full, no overflow. */
	ck_assert_int_eq(
		fair_bucket_take(&b, 1000000.0, 1000000, INT64_MIN, NULL), 0);
	ck_assert_int_eq(
		fair_bucket_take(&b, 1000000.0, 1000000, INT64_MAX, NULL), 0);
	ck_assert(b.tokens_u >= 0);
	ck_assert(b.tokens_u <= 1000000LL * 1000000LL);
	/* Never more than burst, however long the wait. */
	memset(&b, 0, sizeof(b));
	ck_assert_int_eq(fair_bucket_take(&b, 5.0, 2, 0, NULL), 0);
	for (i = 0; i < 2; i++)
		ck_assert_int_eq(
			fair_bucket_take(&b, 5.0, 2, INT64_MAX / 2, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 5.0, 2, INT64_MAX / 2, NULL), -1);
}
END_TEST

START_TEST(bucket_burst_lowered)
{
	struct fair_bucket b = {0};

	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 10, 0, NULL), 0);
	/* 9 left; the burst goes down to 2: at most 2 now. */
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 0, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 0, NULL), 0);
	ck_assert_int_eq(fair_bucket_take(&b, 1.0, 2, 0, NULL), -1);
	ck_assert(fair_bucket_full(&b, 1.0, 2, 2000));
	ck_assert(!fair_bucket_full(&b, 1.0, 2, 1999));
}
END_TEST

/* ---- the shared table ---- */

static char name[64];

static struct fair *
open_fresh(int64_t hold_max_ms)
{
	struct fair *f;
	int shared = 0;

	snprintf(name, sizeof(name), "/llsr-fair-test-%ld", (long)getpid());
	fair_unlink_name(name);
	f = fair_open_name(name, hold_max_ms, &shared);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(shared, 1);
	return f;
}

static void
close_fresh(struct fair *f)
{
	fair_close(f);
	fair_unlink_name(name);
}

/* A child process (another worker) that enters with key and then waits
 * on the pipe for the word to leave ('l', then exit) or to die ('k': it
 * never leaves: the parent kills it). Reports its verdict through res. */
struct child {
	pid_t pid;
	int cmd; /* write end */
	int verdict;
};

static void
child_start(struct child *c, const char *key, const struct fair_limits *lim,
	    int64_t now, int hold_lock)
{
	int cmd[2], res[2];
	char v;

	ck_assert_int_eq(pipe(cmd), 0);
	ck_assert_int_eq(pipe(res), 0);
	c->pid = fork();
	ck_assert_int_ge(c->pid, 0);
	if (c->pid == 0) {
		struct fair *f = fair_open_name(name, 3600000, NULL);
		char word = 0;

		close(cmd[1]);
		close(res[0]);
		v = (char)('0' + fair_enter(f, key, lim, now, NULL));
		if (hold_lock)
			fair_test_hold_lock(f);
		if (write(res[1], &v, 1) != 1)
			_exit(2);
		if (read(cmd[0], &word, 1) == 1 && word == 'l')
			fair_leave(f);
		_exit(0);
	}
	close(cmd[0]);
	close(res[1]);
	ck_assert_int_eq(read(res[0], &v, 1), 1);
	close(res[0]);
	c->cmd = cmd[1];
	c->verdict = v - '0';
}

static void
child_leave(struct child *c)
{
	int st;

	ck_assert_int_eq(write(c->cmd, "l", 1), 1);
	close(c->cmd);
	ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
child_kill(struct child *c)
{
	int st;

	ck_assert_int_eq(kill(c->pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(c->pid, &st, 0), c->pid);
	close(c->cmd);
}

START_TEST(concurrency_across_processes)
{
	struct fair_limits lim = {2, 0, 1};
	struct fair *f = open_fresh(3600000);
	struct child a, b, c, d;

	child_start(&a, "addr:10.0.0.1", &lim, 1000, 0);
	child_start(&b, "addr:10.0.0.1", &lim, 1000, 0);
	ck_assert_int_eq(a.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(b.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_inflight(f, "addr:10.0.0.1", 1000), 2);
	/* The third of that client is refused; another client is not. */
	ck_assert_int_eq(fair_enter(f, "addr:10.0.0.1", &lim, 1000, NULL),
			 FAIR_CONCURRENCY);
	child_start(&c, "addr:10.0.0.2", &lim, 1000, 0);
	ck_assert_int_eq(c.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_inflight(f, "addr:10.0.0.2", 1000), 1);
	/* One leaves: there is room again. */
	child_leave(&a);
	ck_assert_int_eq(fair_inflight(f, "addr:10.0.0.1", 1000), 1);
	child_start(&d, "addr:10.0.0.1", &lim, 1000, 0);
	ck_assert_int_eq(d.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_peak(f), 2);
	ck_assert_int_eq(fair_refused(f), 1);
	child_leave(&b);
	child_leave(&c);
	child_leave(&d);
	ck_assert_int_eq(fair_inflight(f, "addr:10.0.0.1", 1000), 0);
	close_fresh(f);
}
END_TEST

START_TEST(crashed_worker_frees_its_share)
{
	struct fair_limits lim = {1, 0, 1};
	struct fair *f = open_fresh(3600000);
	struct child a, b;

	child_start(&a, "token:3", &lim, 1000, 0);
	ck_assert_int_eq(a.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_enter(f, "token:3", &lim, 1000, NULL),
			 FAIR_CONCURRENCY);
	/* SIGKILL mid-request: it never leaves. Its share is free at once. */
	child_kill(&a);
	ck_assert_int_eq(fair_inflight(f, "token:3", 1000), 0);
	child_start(&b, "token:3", &lim, 1000, 0);
	ck_assert_int_eq(b.verdict, FAIR_ADMITTED);
	child_leave(&b);
	close_fresh(f);
}
END_TEST

START_TEST(crashed_worker_holding_the_lock)
{
	struct fair_limits lim = {1, 0, 1};
	struct fair *f = open_fresh(3600000);
	struct child a;

	/* It dies with the table's lock held (and a share posted). */
	child_start(&a, "token:1", &lim, 1000, 1);
	ck_assert_int_eq(a.verdict, FAIR_ADMITTED);
	child_kill(&a);
	/* The next locker repairs the lock, and the share is free. */
	ck_assert_int_eq(fair_enter(f, "token:1", &lim, 1000, NULL),
			 FAIR_ADMITTED);
	ck_assert_int_eq(fair_inflight(f, "token:1", 1000), 1);
	fair_leave(f);
	ck_assert_int_eq(fair_inflight(f, "token:1", 1000), 0);
	close_fresh(f);
}
END_TEST

START_TEST(stale_share_expires)
{
	struct fair_limits lim = {1, 0, 1};
	struct fair *f = open_fresh(5000);
	struct child a;

	/* A live process whose request is older than hold_max_ms (as when a
	 * dead worker's pid was reused) no longer counts. */
	child_start(&a, "addr:a", &lim, 1000, 0);
	ck_assert_int_eq(fair_inflight(f, "addr:a", 5999), 1);
	ck_assert_int_eq(fair_enter(f, "addr:a", &lim, 5999, NULL),
			 FAIR_CONCURRENCY);
	ck_assert_int_eq(fair_inflight(f, "addr:a", 6000), 0);
	ck_assert_int_eq(fair_enter(f, "addr:a", &lim, 6000, NULL),
			 FAIR_ADMITTED);
	fair_leave(f);
	/* A clock behind the share's start does not make it stale. */
	ck_assert_int_eq(fair_inflight(f, "addr:a", 0), 1);
	child_leave(&a);
	close_fresh(f);
}
END_TEST

START_TEST(rate_shared_across_processes)
{
	struct fair_limits lim = {0, 1.0, 2};
	struct fair *f = open_fresh(3600000);
	struct child a, b, c;
	int64_t retry = 0;

	/* Two tokens, taken by two processes; the third is refused. */
	child_start(&a, "addr:x", &lim, 0, 0);
	child_start(&b, "addr:x", &lim, 0, 0);
	ck_assert_int_eq(a.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(b.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_enter(f, "addr:x", &lim, 10, &retry), FAIR_RATE);
	ck_assert_int_eq(retry, 990);
	/* Another key has a bucket of its own. */
	child_start(&c, "addr:y", &lim, 10, 0);
	ck_assert_int_eq(c.verdict, FAIR_ADMITTED);
	ck_assert_int_eq(fair_enter(f, "addr:x", &lim, 1000, NULL),
			 FAIR_ADMITTED);
	fair_leave(f);
	child_leave(&a);
	child_leave(&b);
	child_leave(&c);
	close_fresh(f);
}
END_TEST

START_TEST(many_keys_do_not_break_the_table)
{
	struct fair_limits lim = {1, 1.0, 1};
	struct fair *f = open_fresh(3600000);
	char key[32];
	int i;

	/* Far more clients than entries: each is admitted once (a fresh or
	 * reused bucket), and the process holds one share at a time. */
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "addr:%d", i);
		ck_assert_int_eq(fair_enter(f, key, &lim, i, NULL),
				 FAIR_ADMITTED);
	}
	ck_assert_int_eq(fair_inflight(f, "addr:19999", 20000), 1);
	ck_assert_int_eq(fair_inflight(f, "addr:19998", 20000), 0);
	/* The latest one's bucket is empty at the same ms. */
	ck_assert_int_eq(fair_enter(f, "addr:19999", &lim, 19999, NULL),
			 FAIR_RATE);
	fair_leave(f);
	ck_assert_int_eq(fair_peak(f), 1);
	close_fresh(f);
}
END_TEST

static int
name_exists(void)
{
	int fd = shm_open(name, O_RDWR, 0);

	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The last worker to close removes the name; one still running keeps it. */
START_TEST(last_close_removes_the_name)
{
	struct fair_limits lim = {1, 0, 1};
	struct fair *f = open_fresh(3600000);
	struct child a;

	child_start(&a, "k", &lim, 0, 0);
	fair_close(f);
	ck_assert(name_exists());
	child_leave(&a); /* it exits without closing: it no longer counts */
	f = fair_open_name(name, 3600000, NULL);
	ck_assert_ptr_nonnull(f);
	fair_close(f);
	ck_assert(!name_exists());
}
END_TEST

START_TEST(null_table_admits)
{
	struct fair_limits lim = {1, 1.0, 1};

	ck_assert_int_eq(fair_enter(NULL, "k", &lim, 0, NULL), FAIR_ADMITTED);
	fair_leave(NULL);
	fair_close(NULL);
	ck_assert_int_eq(fair_inflight(NULL, "k", 0), 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("fair");
	TCase *b = tcase_create("bucket");
	TCase *t = tcase_create("table");

	tcase_add_test(b, bucket_starts_full_then_refuses);
	tcase_add_test(b, bucket_rate_is_exact_over_time);
	tcase_add_test(b, bucket_unlimited_and_small_burst);
	tcase_add_test(b, bucket_clock_goes_back);
	tcase_add_test(b, bucket_huge_jumps);
	tcase_add_test(b, bucket_burst_lowered);
	tcase_add_test(t, concurrency_across_processes);
	tcase_add_test(t, crashed_worker_frees_its_share);
	tcase_add_test(t, crashed_worker_holding_the_lock);
	tcase_add_test(t, stale_share_expires);
	tcase_add_test(t, rate_shared_across_processes);
	tcase_add_test(t, many_keys_do_not_break_the_table);
	tcase_add_test(t, last_close_removes_the_name);
	tcase_add_test(t, null_table_admits);
	tcase_set_timeout(t, 60);
	suite_add_tcase(s, b);
	suite_add_tcase(s, t);
	return tap_main(s);
}
