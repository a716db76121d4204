#ifndef LLSR_TEST_FAKE_ENGINE_H
#define LLSR_TEST_FAKE_ENGINE_H
/* The unit tests' handle on the one fake engine of the tests,
 * tests/integration/fake_engine.py, run as a process (`--serve`) on a
 * unix socket of its own and driven one command line at a time (the
 * commands are listed in its serve()). Include once per test program. */

#include <check.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llsr/config.h"

struct fake_engine {
	pid_t pid;
	FILE *to, *from;
	char path[108];
};

/* Sends one command (printf-style) and reads its one-line answer into
 * answer[0..cap) without the newline. */
static void __attribute__((format(printf, 4, 5)))
fe_cmd(struct fake_engine *fe, char *answer, size_t cap, const char *fmt, ...)
{
	char line[4096];
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vfprintf(fe->to, fmt, ap);
	va_end(ap);
	fputc('\n', fe->to);
	ck_assert_int_eq(fflush(fe->to), 0);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), fe->from));
	n = strcspn(line, "\n");
	line[n] = '\0';
	ck_assert_msg(strncmp(line, "error", 5) != 0, "fake engine: %s", line);
	if (answer && cap > 0) {
		n = n < cap - 1 ? n : cap - 1;
		memcpy(answer, line, n);
		answer[n] = '\0';
	}
}

/* A command answered "ok". */
#define fe_do(fe, ...) fe_cmd((fe), NULL, 0, __VA_ARGS__)

static long __attribute__((unused))
fe_count(struct fake_engine *fe, const char *method, const char *regex)
{
	char answer[64];

	fe_cmd(fe, answer, sizeof(answer), "seen %s %s", method, regex);
	return strtol(answer, NULL, 10);
}

/* Starts the fake and points cfg (given its defaults here) at it. */
static void
fe_start(struct fake_engine *fe, struct config *cfg)
{
	int in[2], out[2];
	char ready[64];

	memset(fe, 0, sizeof(*fe));
	snprintf(fe->path, sizeof(fe->path), "/tmp/llsr-fake-engine-%ld.sock",
		 (long)getpid());
	ck_assert_int_eq(pipe(in), 0);
	ck_assert_int_eq(pipe(out), 0);
	fe->pid = fork();
	ck_assert_int_ge(fe->pid, 0);
	if (fe->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execlp("python3", "python3",
		       SRCDIR "/tests/integration/fake_engine.py", "--serve",
		       fe->path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	fe->to = fdopen(in[1], "w");
	fe->from = fdopen(out[0], "r");
	ck_assert_ptr_nonnull(fe->to);
	ck_assert_ptr_nonnull(fe->from);
	ck_assert_msg(fgets(ready, sizeof(ready), fe->from) &&
			      strcmp(ready, "ready\n") == 0,
		      "the fake engine did not start");
	config_defaults(cfg);
	snprintf(cfg->engine_url, sizeof(cfg->engine_url), "unix://%s",
		 fe->path);
	snprintf(cfg->engine_api_version, sizeof(cfg->engine_api_version),
		 "1.41");
	cfg->engine_timeout_ms = 5000;
}

/* Ends its input: it releases whatever it holds and exits. */
static void
fe_stop(struct fake_engine *fe)
{
	int st;

	fclose(fe->to);
	fclose(fe->from);
	ck_assert_int_eq(waitpid(fe->pid, &st, 0), fe->pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		      "the fake engine failed (status %d)", st);
	unlink(fe->path);
}

#endif
