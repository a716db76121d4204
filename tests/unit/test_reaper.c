/* The reaper thread: every queued container is removed, a failed removal
 * is tried again (after the next push, on a kick, at the end), a full queue
 * is refused (the caller removes in line), and freeing the reaper waits for
 * the queue. The engine is a fake one on a
 * unix socket in a thread of this process, to inject failures and hangs. */
#include "config.h"

#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "llsr/config.h"
#include "llsr/reaper.h"
#include "llsr/uids.h"
#include "tap_main.h"

struct fake {
	int lfd;
	char path[108];
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int deletes;	   /* DELETE requests answered */
	int status;	   /* what a DELETE is answered with */
	int hold;	   /* while set, DELETEs wait */
	int holding;	   /* DELETEs waiting */
	char seen[64][65]; /* each DELETE's container id, in order */
};

static struct fake fk;

/* Serves one connection's requests (no bodies) until it closes. */
static void
serve_conn(int fd)
{
	char req[4096];
	size_t len = 0;

	for (;;) {
		char *end, line[256], resp[512];
		ssize_t n;
		int is_delete, status = 200;

		end = len ? memmem(req, len, "\r\n\r\n", 4) : NULL;
		if (!end) {
			if (len == sizeof(req))
				return;
			n = read(fd, req + len, sizeof(req) - len);
			if (n <= 0)
				return;
			len += (size_t)n;
			continue;
		}
		is_delete = strncmp(req, "DELETE ", 7) == 0;
		if (is_delete) {
			pthread_mutex_lock(&fk.mu);
			fk.holding++;
			pthread_cond_broadcast(&fk.cv);
			while (fk.hold)
				pthread_cond_wait(&fk.cv, &fk.mu);
			fk.holding--;
			if (fk.deletes < 64)
				snprintf(fk.seen[fk.deletes],
					 sizeof(fk.seen[0]), "%.64s",
					 strstr(req, "/containers/") + 12);
			fk.deletes++;
			status = fk.status;
			pthread_cond_broadcast(&fk.cv);
			pthread_mutex_unlock(&fk.mu);
		}
		snprintf(line, sizeof(line), "%s",
			 status == 500	 ? "{\"message\":\"driver failed\"}"
			 : status == 200 ? "OK"
					 : "");
		snprintf(resp, sizeof(resp),
			 "HTTP/1.1 %d X\r\nApi-Version: 1.41\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 status, strlen(line), line);
		if (write(fd, resp, strlen(resp)) < 0)
			return;
		end += 4;
		len -= (size_t)(end - req);
		memmove(req, end, len);
	}
}

static void *
fake_main(void *arg)
{
	int fd;

	(void)arg;
	while ((fd = accept(fk.lfd, NULL, NULL)) >= 0) {
		serve_conn(fd);
		close(fd);
	}
	return NULL;
}

static void
fake_start(struct config *cfg)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memset(&fk, 0, sizeof(fk));
	fk.status = 204;
	pthread_mutex_init(&fk.mu, NULL);
	pthread_cond_init(&fk.cv, NULL);
	snprintf(fk.path, sizeof(fk.path), "/tmp/llsr-reaper-%ld.sock",
		 (long)getpid());
	unlink(fk.path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fk.path);
	fk.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(fk.lfd, 0);
	ck_assert_int_eq(bind(fk.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(fk.lfd, 8), 0);
	ck_assert_int_eq(pthread_create(&fk.thread, NULL, fake_main, NULL), 0);
	config_defaults(cfg);
	snprintf(cfg->engine_url, sizeof(cfg->engine_url), "unix://%s",
		 fk.path);
	snprintf(cfg->engine_api_version, sizeof(cfg->engine_api_version),
		 "1.41");
	cfg->engine_timeout_ms = 5000;
}

static void
fake_stop(void)
{
	/* One connection is served at a time: the reaper's is gone. */
	shutdown(fk.lfd, SHUT_RDWR);
	close(fk.lfd);
	pthread_join(fk.thread, NULL);
	unlink(fk.path);
}

static int
deletes(void)
{
	int n;

	pthread_mutex_lock(&fk.mu);
	n = fk.deletes;
	pthread_mutex_unlock(&fk.mu);
	return n;
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

	fake_start(&cfg);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	for (i = 0; i < 5; i++) {
		id_of(i, id);
		ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	}
	/* Freeing waits for the queue: all five were asked for. */
	reaper_free(r);
	ck_assert_int_eq(deletes(), 5);
	fake_stop();
}
END_TEST

static void
wait_deletes(int n)
{
	pthread_mutex_lock(&fk.mu);
	while (fk.deletes < n)
		pthread_cond_wait(&fk.cv, &fk.mu);
	pthread_mutex_unlock(&fk.mu);
}

static void
set_status(int status)
{
	pthread_mutex_lock(&fk.mu);
	fk.status = status;
	pthread_mutex_unlock(&fk.mu);
}

START_TEST(failure_is_retried_after_the_next_push)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1], b[ENGINE_ID_LEN + 1];

	fake_start(&cfg);
	fk.status = 500;
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
	ck_assert_str_eq(fk.seen[0], a);
	ck_assert_str_eq(fk.seen[1], b);
	ck_assert_str_eq(fk.seen[2], a);
	fake_stop();
}
END_TEST

START_TEST(failure_is_retried_on_a_kick)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1];

	fake_start(&cfg);
	fk.status = 500;
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
	ck_assert_str_eq(fk.seen[1], a);
	fake_stop();
}
END_TEST

START_TEST(failure_is_retried_once_at_the_end)
{
	struct config cfg;
	struct reaper *r;
	char a[ENGINE_ID_LEN + 1];

	fake_start(&cfg);
	fk.status = 500;
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(7, a);
	ck_assert_int_eq(reaper_push(r, a, &(struct uid_lease){0, -1}), 0);
	/* Not retried in a loop while the engine refuses: tried, then tried
	 * once more by reaper_free, then left to the sweeper. */
	reaper_free(r);
	ck_assert_int_eq(deletes(), 2);
	fake_stop();
}
END_TEST

START_TEST(full_queue_is_refused)
{
	struct config cfg;
	struct reaper *r;
	char id[ENGINE_ID_LEN + 1];
	int i;

	fake_start(&cfg);
	fk.hold = 1;
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(0, id);
	ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	/* The first removal is in the engine's hands and hangs there. */
	pthread_mutex_lock(&fk.mu);
	while (!fk.holding)
		pthread_cond_wait(&fk.cv, &fk.mu);
	pthread_mutex_unlock(&fk.mu);
	for (i = 1; i <= REAPER_QUEUE; i++) {
		id_of(i, id);
		ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), 0);
	}
	id_of(99, id);
	ck_assert_int_eq(reaper_push(r, id, &(struct uid_lease){0, -1}), -1);
	pthread_mutex_lock(&fk.mu);
	fk.hold = 0;
	pthread_cond_broadcast(&fk.cv);
	pthread_mutex_unlock(&fk.mu);
	reaper_free(r);
	ck_assert_int_eq(deletes(), REAPER_QUEUE + 1);
	fake_stop();
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
	fake_start(&cfg);
	r = reaper_new(&cfg);
	ck_assert_ptr_nonnull(r);
	id_of(1, id);
	ck_assert_int_eq(reaper_push(r, id, &a), 0);
	ck_assert_int_eq(a.uid, 0); /* the reaper owns it now */
	reaper_free(r);
	fake_stop();
	fake_start(&cfg);
	fk.status = 500;
	r = reaper_new(&cfg);
	id_of(2, id);
	ck_assert_int_eq(reaper_push(r, id, &b), 0);
	reaper_free(r);
	fake_stop();
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
