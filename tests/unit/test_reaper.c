/* The reaper thread: every queued container is removed, a failed removal
 * is tried again (after the next push, on a kick, at the end), a full queue
 * is refused (the caller removes in line), and freeing the reaper waits for
 * the queue. The engine is the tests' fake one (tests/unit/fake_engine.h),
 * to inject failures and hangs. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "llsr/config.h"
#include "llsr/reaper.h"
#include "llsr/uids.h"
#include "fake_engine.h"
#include "tap_main.h"

static struct fake_engine fk;

static int
deletes(void)
{
	char answer[64];

	fe_cmd(&fk, answer, sizeof(answer), "deleted");
	return (int)strtol(answer, NULL, 10);
}

/* The i-th answered DELETE's container id (0-based). */
static void
deleted_id(int i, char *id)
{
	char answer[4096], *p = answer;
	int k;

	fe_cmd(&fk, answer, sizeof(answer), "deleted");
	for (k = 0; k <= i && p; k++) {
		p = strchr(p, ' ');
		if (p)
			p++;
	}
	ck_assert_ptr_nonnull(p);
	snprintf(id, ENGINE_ID_LEN + 1, "%.64s", p);
}

static void
id_of(int i, char id[ENGINE_ID_LEN + 1])
{
	snprintf(id, ENGINE_ID_LEN + 1, "%064x", 0xc0de00 + i);
}

START_TEST(removes_every_queued_container)
{
	struct config cfg;
	struct reaper *r;
	char id[ENGINE_ID_LEN + 1];
	int i;

	fe_start(&fk, &cfg);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	for (i = 0; i < 5; i++) {
		id_of(i, id);
		ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	}
	/* Freeing waits for the queue: all five were asked for. */
	reaper_free(r);
	ck_assert_int_eq(deletes(), 5);
	fe_stop(&fk);
}
END_TEST

static void
wait_deletes(int n)
{
	fe_do(&fk, "wait_deleted %d", n);
}

static void
set_status(int status)
{
	fe_do(&fk, "delete_status %d", status);
}

START_TEST(failure_is_retried_after_the_next_push)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1], b[ENGINE_ID_LEN + 1];
	char seen[ENGINE_ID_LEN + 1];

	fe_start(&fk, &cfg);
	set_status(500);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(7, a);
	id_of(8, b);
	ck_assert_int_eq(reaper_push(r, a, &(struct uid_lease){0, -1}), 0);
	wait_deletes(1);
	set_status(204);
	ck_assert_int_eq(reaper_push(r, b, &(struct uid_lease){0, -1}), 0);
	wait_deletes(3);
	reaper_free(r);
	/* The new one first, then the one that failed; nothing more. */
	ck_assert_int_eq(deletes(), 3);
	deleted_id(0, seen);
	ck_assert_str_eq(seen, a);
	deleted_id(1, seen);
	ck_assert_str_eq(seen, b);
	deleted_id(2, seen);
	ck_assert_str_eq(seen, a);
	fe_stop(&fk);
}
END_TEST

START_TEST(failure_is_retried_on_a_kick)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1], seen[ENGINE_ID_LEN + 1];

	fe_start(&fk, &cfg);
	set_status(500);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(7, a);
	ck_assert_int_eq(reaper_push(r, a, &(struct uid_lease){0, -1}), 0);
	wait_deletes(1);
	set_status(204);
	reaper_kick(r);
	wait_deletes(2);
	reaper_free(r);
	ck_assert_int_eq(deletes(), 2);
	deleted_id(1, seen);
	ck_assert_str_eq(seen, a);
	fe_stop(&fk);
}
END_TEST

START_TEST(failure_is_retried_once_at_the_end)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1];

	fe_start(&fk, &cfg);
	set_status(500);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(7, a);
	ck_assert_int_eq(reaper_push(r, a, &(struct uid_lease){0, -1}), 0);
	/* Not retried in a loop while the engine refuses: tried, then tried
	 * once more by reaper_free, then left to the sweeper. */
	reaper_free(r);
	ck_assert_int_eq(deletes(), 2);
	fe_stop(&fk);
}
END_TEST

START_TEST(full_queue_is_refused)
{
	struct config cfg;
	struct reaper *r;
	char id[ENGINE_ID_LEN + 1];
	int i;

	fe_start(&fk, &cfg);
	fe_do(&fk, "hold 1");
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(0, id);
	ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	/* The first removal is in the engine's hands and hangs there. */
	fe_do(&fk, "wait_holding 1");
	for (i = 1; i <= REAPER_QUEUE; i++) {
		id_of(i, id);
		ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	}
	id_of(99, id);
	ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), -1);
	fe_do(&fk, "hold 0");
	reaper_free(r);
	ck_assert_int_eq(deletes(), REAPER_QUEUE + 1);
	fe_stop(&fk);
}
END_TEST

/* A remove callback that says whether it was asked. */
static int removed_left;

static int
note_remove(void *arg, const char *name)
{
	(void)arg;
	(void)name;
	removed_left++;
	return 0;
}

/* The uid goes with the container: released when the removal succeeded,
 * abandoned (its record kept, so that its next taker removes the container
 * first) when the reaper gave up. */
START_TEST(uids_follow_the_removal)
{
	char dir[] = "/tmp/llsr-reaper-uids.XXXXXX", path[64];
	struct uid_lease a, b, again;
	struct llsr_err err;
	struct config cfg;
	struct reaper *r;
	struct uids *u;
	char id[ENGINE_ID_LEN + 1];
	long i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	u = uids_open(dir, 500, 501, &err);
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(uids_take(u, "ca", note_remove, NULL, &a, &err), 0);
	ck_assert_int_eq(uids_take(u, "cb", note_remove, NULL, &b, &err), 0);
	fe_start(&fk, &cfg);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(1, id);
	ck_assert_int_eq(reaper_push(r, id, &a), 0);
	ck_assert_int_eq(a.uid, 0); /* the reaper owns it now */
	reaper_free(r);
	fe_stop(&fk);
	fe_start(&fk, &cfg);
	set_status(500);
	r = reaper_new(&cfg);
	id_of(2, id);
	ck_assert_int_eq(reaper_push(r, id, &b), 0);
	reaper_free(r);
	fe_stop(&fk);
	/* 500 came free with a clean record; 501 is free but names cb. */
	removed_left = 0;
	ck_assert_int_eq(uids_take(u, "c1", note_remove, NULL, &a, &err), 0);
	ck_assert_int_eq(a.uid, 500);
	ck_assert_int_eq(removed_left, 0);
	ck_assert_int_eq(uids_take(u, "c2", note_remove, NULL, &again, &err),
			 0);
	ck_assert_int_eq(again.uid, 501);
	ck_assert_int_eq(removed_left, 1);
	uids_release(&a);
	uids_release(&again);
	uids_free(u);
	for (i = 500; i <= 501; i++) {
		snprintf(path, sizeof(path), "%s/%ld", dir, i);
		unlink(path);
	}
	rmdir(dir);
}
END_TEST

static Suite *
reaper_suite(void)
{
	Suite *s = suite_create("reaper");
	TCase *tc = tcase_create("queue");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, removes_every_queued_container);
	tcase_add_test(tc, failure_is_retried_after_the_next_push);
	tcase_add_test(tc, failure_is_retried_on_a_kick);
	tcase_add_test(tc, failure_is_retried_once_at_the_end);
	tcase_add_test(tc, full_queue_is_refused);
	tcase_add_test(tc, uids_follow_the_removal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(reaper_suite());
}
