/* The sweeper's judgement of owners: whose containers may be removed. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llsr/sweep.h"
#include "tap_main.h"

START_TEST(self_is_alive)
{
	char owner[SWEEP_OWNER_MAX];

	sweep_owner(owner, sizeof(owner));
	ck_assert(strncmp(owner, "w1:", 3) == 0);
	ck_assert_int_eq(sweep_owner_alive(owner), 1);
}
END_TEST

START_TEST(dead_child_is_dead)
{
	char owner[SWEEP_OWNER_MAX];
	int fds[2];
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		sweep_owner(owner, sizeof(owner));
		if (write(fds[1], owner, sizeof(owner)) < 0)
			_exit(1);
		_exit(0);
	}
	ck_assert_int_eq(read(fds[0], owner, sizeof(owner)),
			 (int)sizeof(owner));
	waitpid(pid, NULL, 0);
	/* Reaped: the pid is gone (or reused, with another start time). */
	ck_assert_int_eq(sweep_owner_alive(owner), 0);
	close(fds[0]);
	close(fds[1]);
}
END_TEST

START_TEST(reused_pid_is_dead)
{
	char owner[SWEEP_OWNER_MAX], host[64], fake[SWEEP_OWNER_MAX];

	sweep_owner(owner, sizeof(owner));
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	/* Our own pid with another start time: a reused pid. */
	snprintf(fake, sizeof(fake), "w1:%s:%ld:1", host, (long)getpid());
	ck_assert_int_eq(sweep_owner_alive(fake), 0);
}
END_TEST

START_TEST(foreign_owners_are_not_judged)
{
	char fake[SWEEP_OWNER_MAX];

	snprintf(fake, sizeof(fake), "w1:another-host.example:%ld:1",
		 (long)getpid());
	ck_assert_int_eq(sweep_owner_alive(fake), -1);
	/* Another version's format: only the deadline counts. */
	ck_assert_int_eq(sweep_owner_alive("vm:123:1796028421"), -1);
	ck_assert_int_eq(sweep_owner_alive(""), -1);
	ck_assert_int_eq(sweep_owner_alive("w1:"), -1);
	ck_assert_int_eq(sweep_owner_alive("w1:h:x:1"), -1);
	ck_assert_int_eq(sweep_owner_alive("w1:::"), -1);
}
END_TEST

static Suite *
sweep_suite(void)
{
	Suite *s = suite_create("sweep");
	TCase *tc = tcase_create("owner");

	tcase_add_test(tc, self_is_alive);
	tcase_add_test(tc, dead_child_is_dead);
	tcase_add_test(tc, reused_pid_is_dead);
	tcase_add_test(tc, foreign_owners_are_not_judged);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(sweep_suite());
}
