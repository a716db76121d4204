/* The sandbox uid allocator: no uid is held twice, within a process or
 * across processes; a released uid comes free, and so do a crashed
 * holder's; a uid whose record names a container left behind is given out
 * again only once that container is removed; exhaustion is 503
 * uid_exhausted; the lock directory must be private. Real flock()s in a
 * temporary directory, real processes. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llsr/uids.h"
#include "tap_main.h"

static char dir[64];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/llsr-uids.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
teardown(void)
{
	char path[128];
	struct dirent *d;
	DIR *dp = opendir(dir);

	while (dp && (d = readdir(dp)))
		if (d->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
			unlink(path);
		}
	if (dp)
		closedir(dp);
	rmdir(dir);
}

/* The remove callback: counts its calls, keeps the last name, and fails
 * while remove_fails is set. */
static int remove_calls, remove_fails;
static char removed[UIDS_NAME_MAX + 1];

static int
fake_remove(void *arg, const char *name)
{
	(void)arg;
	remove_calls++;
	snprintf(removed, sizeof(removed), "%s", name);
	return remove_fails ? -1 : 0;
}

static struct uids *
open_range(long lo, long hi)
{
	struct llsr_err err;
	struct uids *u = uids_open(dir, lo, hi, &err);

	ck_assert_msg(u != NULL, "uids_open: %s", err.message);
	return u;
}

static long
take(struct uids *u, const char *name)
{
	struct uid_lease l;
	struct llsr_err err;

	ck_assert_msg(uids_take(u, name, fake_remove, NULL, &l, &err) == 0,
		      "uids_take: %s", err.message);
	ck_assert_int_ge(l.fd, 0);
	/* The lease is leaked on purpose: its uid stays held until the test
	 * process ends (each test runs in a process of its own). */
	return l.uid;
}

static void
file_of(long uid, char *buf, size_t size)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%ld", dir, uid);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	n = read(fd, buf, size - 1);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	close(fd);
}

START_TEST(lowest_free_first_and_never_twice)
{
	/* Two handles are two open file descriptions: as two workers. */
	struct uids *a = open_range(100, 103), *b = open_range(100, 103);
	struct uid_lease l;
	struct llsr_err err;

	ck_assert_int_eq(take(a, "c1"), 100);
	ck_assert_int_eq(take(b, "c2"), 101);
	ck_assert_int_eq(take(a, "c3"), 102);
	ck_assert_int_eq(take(b, "c4"), 103);
	ck_assert_int_eq(uids_take(a, "c5", fake_remove, NULL, &l, &err), -1);
	ck_assert_int_eq(err.status, 503);
	ck_assert_str_eq(err.code, "uid_exhausted");
	ck_assert_ptr_nonnull(strstr(err.message, "100-103"));
	ck_assert_int_eq(l.uid, 0);
	ck_assert_int_eq(remove_calls, 0);
	uids_free(a);
	uids_free(b);
}
END_TEST

START_TEST(release_frees_and_clears_the_record)
{
	struct uids *u = open_range(7, 8);
	struct uid_lease l;
	struct llsr_err err;
	char buf[256];

	ck_assert_int_eq(uids_take(u, "llsr-1-1-abc", fake_remove, NULL, &l,
				   &err),
			 0);
	ck_assert_int_eq(l.uid, 7);
	file_of(7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "llsr-1-1-abc");
	uids_release(&l);
	ck_assert_int_eq(l.uid, 0);
	uids_release(&l); /* empty: nothing */
	file_of(7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(take(u, "c2"), 7);
	ck_assert_int_eq(remove_calls, 0);
	uids_free(u);
}
END_TEST

START_TEST(abandoned_uid_waits_for_its_container)
{
	struct uids *u = open_range(7, 8);
	struct uid_lease l, m;
	struct llsr_err err;
	char buf[256];

	ck_assert_int_eq(uids_take(u, "left", fake_remove, NULL, &l, &err), 0);
	uids_abandon(&l);
	ck_assert_int_eq(l.uid, 0);
	file_of(7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "left");
	/* The engine cannot remove it: 7 is skipped, 8 is given. */
	remove_fails = 1;
	ck_assert_int_eq(take(u, "c2"), 8);
	ck_assert_int_eq(remove_calls, 1);
	ck_assert_str_eq(removed, "left");
	/* Nothing else is free: exhausted, and the message says why. */
	ck_assert_int_eq(uids_take(u, "c3", fake_remove, NULL, &m, &err), -1);
	ck_assert_str_eq(err.code, "uid_exhausted");
	ck_assert_ptr_nonnull(strstr(err.message, "left behind"));
	/* Once the container can be removed, 7 is given again. */
	remove_fails = 0;
	ck_assert_int_eq(take(u, "c4"), 7);
	ck_assert_str_eq(removed, "left");
	file_of(7, buf, sizeof(buf));
	ck_assert_str_eq(buf, "c4");
	uids_free(u);
}
END_TEST

/* A child takes uids and is SIGKILLed holding them: while it lives they
 * are never given out; once it is dead they are, after the containers it
 * recorded are removed. */
START_TEST(crashed_holder_frees_its_uids)
{
	struct uids *u = open_range(10, 13);
	struct uid_lease l;
	struct llsr_err err;
	int up[2], hold[2];
	long got[2];
	pid_t pid;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(hold), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char c;

		close(hold[1]);
		got[0] = take(u, "crashed-a");
		got[1] = take(u, "crashed-b");
		if (write(up[1], got, sizeof(got)) != sizeof(got))
			_exit(1);
		if (read(hold[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(hold[0]);
	ck_assert_int_eq(read(up[0], got, sizeof(got)), (int)sizeof(got));
	ck_assert_int_eq(got[0], 10);
	ck_assert_int_eq(got[1], 11);
	ck_assert_int_eq(take(u, "mine"), 12);
	ck_assert_int_eq(take(u, "mine2"), 13);
	ck_assert_int_eq(uids_take(u, "x", fake_remove, NULL, &l, &err), -1);
	ck_assert_int_eq(remove_calls, 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert_int_eq(take(u, "after"), 10);
	ck_assert_int_eq(remove_calls, 1);
	ck_assert_str_eq(removed, "crashed-a");
	ck_assert_int_eq(take(u, "after2"), 11);
	ck_assert_str_eq(removed, "crashed-b");
	close(hold[1]);
	uids_free(u);
}
END_TEST

/* Several processes take uids at the same time: every uid is held once. */
START_TEST(concurrent_processes_never_share)
{
	enum { PROCS = 4, EACH = 8 };
	int up[2], go[2], hold[2], i, j;
	long all[PROCS * EACH], seen[PROCS * EACH];
	pid_t pids[PROCS];
	struct uid_lease l;
	struct llsr_err err;
	struct uids *u;

	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(hold), 0);
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			long mine[EACH];
			char c, name[32];

			close(go[1]);
			close(hold[1]);
			u = open_range(1000, 1000 + PROCS * EACH - 1);
			/* All start together. */
			if (read(go[0], &c, 1) != 0)
				_exit(1);
			for (j = 0; j < EACH; j++) {
				snprintf(name, sizeof(name), "p%d-%d", i, j);
				if (uids_take(u, name, fake_remove, NULL, &l,
					      &err) < 0)
					_exit(2);
				mine[j] = l.uid;
			}
			if (write(up[1], mine, sizeof(mine)) != sizeof(mine))
				_exit(1);
			if (read(hold[0], &c, 1) < 0)
				_exit(1);
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]); /* go */
	close(up[1]);
	close(hold[0]);
	for (i = 0; i < PROCS; i++)
		ck_assert_int_eq(read(up[0], all + i * EACH,
				      EACH * sizeof(long)),
				 (int)(EACH * sizeof(long)));
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < PROCS * EACH; i++) {
		ck_assert_int_ge(all[i], 1000);
		ck_assert_int_lt(all[i], 1000 + PROCS * EACH);
		ck_assert_msg(!seen[all[i] - 1000], "uid %ld held twice",
			      all[i]);
		seen[all[i] - 1000] = 1;
	}
	/* Every uid is held by a live child: none for us. */
	u = open_range(1000, 1000 + PROCS * EACH - 1);
	ck_assert_int_eq(uids_take(u, "late", fake_remove, NULL, &l, &err),
			 -1);
	ck_assert_str_eq(err.code, "uid_exhausted");
	close(hold[1]);
	for (i = 0; i < PROCS; i++) {
		int st;

		waitpid(pids[i], &st, 0);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	ck_assert_int_eq(take(u, "later"), 1000);
	uids_free(u);
}
END_TEST

START_TEST(lock_dir_must_be_private)
{
	char sub[128];
	struct llsr_err err;
	struct uids *u;
	struct stat st;

	/* Missing: created, mode 0700. */
	snprintf(sub, sizeof(sub), "%s/locks", dir);
	u = uids_open(sub, 1, 2, &err);
	ck_assert_ptr_nonnull(u);
	uids_free(u);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0700);
	/* Writable by others: refused. */
	chmod(sub, 0777);
	ck_assert_ptr_null(uids_open(sub, 1, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "writable by no one else"));
	chmod(sub, 0700);
	/* Owned by another user: refused (needs root to arrange). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(sub, 65534, 65534), 0);
		ck_assert_ptr_null(uids_open(sub, 1, 2, &err));
		ck_assert_int_eq(chown(sub, 0, 0), 0);
	}
	rmdir(sub);
	/* No parent: refused, not created. */
	snprintf(sub, sizeof(sub), "%s/no/such", dir);
	ck_assert_ptr_null(uids_open(sub, 1, 2, &err));
	ck_assert_ptr_nonnull(strstr(err.message, "cannot create"));
	/* An empty range, uid 0. */
	ck_assert_ptr_null(uids_open(dir, 0, 5, &err));
	ck_assert_ptr_null(uids_open(dir, 9, 8, &err));
}
END_TEST

START_TEST(bad_names_are_refused)
{
	struct uids *u = open_range(1, 2);
	struct uid_lease l;
	struct llsr_err err;
	char longname[UIDS_NAME_MAX + 2];

	ck_assert_int_eq(uids_take(u, "", fake_remove, NULL, &l, &err), -1);
	ck_assert_int_eq(uids_take(u, "a/b", fake_remove, NULL, &l, &err), -1);
	ck_assert_int_eq(uids_take(u, "a\nb", fake_remove, NULL, &l, &err),
			 -1);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(uids_take(u, longname, fake_remove, NULL, &l, &err),
			 -1);
	ck_assert_int_eq(l.uid, 0);
	ck_assert_int_eq(err.status, 500);
	uids_free(u);
	uids_free(NULL);
}
END_TEST

static Suite *
uids_suite(void)
{
	Suite *s = suite_create("uids");
	TCase *tc = tcase_create("locks");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lowest_free_first_and_never_twice);
	tcase_add_test(tc, release_frees_and_clears_the_record);
	tcase_add_test(tc, abandoned_uid_waits_for_its_container);
	tcase_add_test(tc, crashed_holder_frees_its_uids);
	tcase_add_test(tc, concurrent_processes_never_share);
	tcase_add_test(tc, lock_dir_must_be_private);
	tcase_add_test(tc, bad_names_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(uids_suite());
}
