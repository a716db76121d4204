#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "llsr/board.h"
#include "llsr/metrics.h"
#include "tap_main.h"

/* Each test runs in a process of its own (Check forks): counters start at
 * zero, counted in the process until a board is attached. */

static char *
render(void)
{
	size_t len;
	char *t = metrics_render(1, "version=\"t\"", &len);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(strlen(t), len);
	return t;
}

/* The text holds line as a whole line. */
static void
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)))
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return;
		else
			p++;
	fprintf(stderr, "%s", text);
	ck_abort_msg("no line '%s' in the text (on stderr)", line);
}

START_TEST(test_route_of)
{
	ck_assert_int_eq(metrics_route_of("/run_code", 9),
			 METRICS_ROUTE_RUN_CODE);
	ck_assert_int_eq(metrics_route_of("/run_code?x=1", 9),
			 METRICS_ROUTE_RUN_CODE);
	ck_assert_int_eq(metrics_route_of("/run_codex", 10),
			 METRICS_ROUTE_OTHER);
	ck_assert_int_eq(metrics_route_of("/run_cod", 8), METRICS_ROUTE_OTHER);
	ck_assert_int_eq(metrics_route_of("/health", 7), METRICS_ROUTE_HEALTH);
	ck_assert_int_eq(metrics_route_of("/version", 8),
			 METRICS_ROUTE_VERSION);
	ck_assert_int_eq(metrics_route_of("/metrics", 8),
			 METRICS_ROUTE_METRICS);
	ck_assert_int_eq(metrics_route_of("/openapi.json", 13),
			 METRICS_ROUTE_OPENAPI);
	ck_assert_int_eq(metrics_route_of("", 0), METRICS_ROUTE_OTHER);
}
END_TEST

START_TEST(test_requests_histogram)
{
	char *t;

	metrics_request(METRICS_ROUTE_RUN_CODE, 200, 0.003);
	metrics_request(METRICS_ROUTE_RUN_CODE, 200, 0.25); /* le is <= */
	metrics_request(METRICS_ROUTE_RUN_CODE, 418, 1000);
	metrics_request(METRICS_ROUTE_OTHER, 404, 0.001);
	t = render();
	has_line(t, "llsr_http_requests_total{route=\"/run_code\",code=\"200\"}"
		    " 2");
	has_line(t, "llsr_http_requests_total{route=\"/run_code\",code="
		    "\"other\"} 1");
	has_line(t, "llsr_http_requests_total{route=\"other\",code=\"404\"} 1");
	/* Statuses that did not happen are left out, but each route's 200. */
	ck_assert_ptr_null(strstr(t, "code=\"503\""));
	has_line(t, "llsr_http_requests_total{route=\"/metrics\",code=\"200\"}"
		    " 0");
	has_line(t, "llsr_http_request_duration_seconds_bucket{route=\"/"
		    "run_code\",le=\"0.005\"} 1");
	has_line(t, "llsr_http_request_duration_seconds_bucket{route=\"/"
		    "run_code\",le=\"0.1\"} 1");
	has_line(t, "llsr_http_request_duration_seconds_bucket{route=\"/"
		    "run_code\",le=\"0.25\"} 2");
	has_line(t, "llsr_http_request_duration_seconds_bucket{route=\"/"
		    "run_code\",le=\"300\"} 2");
	has_line(t, "llsr_http_request_duration_seconds_bucket{route=\"/"
		    "run_code\",le=\"+Inf\"} 3");
	has_line(t, "llsr_http_request_duration_seconds_count{route=\"/"
		    "run_code\"} 3");
	has_line(t, "llsr_http_request_duration_seconds_sum{route=\"/"
		    "run_code\"} 1000.253000");
	has_line(t, "# TYPE llsr_http_request_duration_seconds histogram");
	has_line(t, "llsr_build_info{version=\"t\"} 1");
	free(t);
}
END_TEST

START_TEST(test_verdicts_steps_batch_pool)
{
	char *t;

	metrics_verdict("passed");
	metrics_verdict("passed");
	metrics_verdict(NULL);
	metrics_verdict("no_tests");
	metrics_verdict("passe");
	metrics_step(METRICS_STEP_CREATE, 120, 0);
	metrics_step(METRICS_STEP_CREATE, 30000, 1);
	metrics_step(METRICS_STEPS, 1, 1); /* no such step: ignored */
	metrics_batch(3);
	metrics_batch(10000);
	metrics_pool(1);
	metrics_pool(0);
	metrics_pool(1);
	metrics_warm(1);
	t = render();
	has_line(t, "llsr_verdicts_total{verdict=\"passed\"} 2");
	has_line(t, "llsr_verdicts_total{verdict=\"no_tests\"} 1");
	has_line(t, "llsr_verdicts_total{verdict=\"other\"} 2");
	has_line(t, "llsr_verdicts_total{verdict=\"failed\"} 0");
	has_line(t, "llsr_engine_step_duration_seconds_bucket{step=\"create\","
		    "le=\"0.1\"} 0");
	has_line(t, "llsr_engine_step_duration_seconds_bucket{step=\"create\","
		    "le=\"0.25\"} 1");
	has_line(t, "llsr_engine_step_duration_seconds_bucket{step=\"create\","
		    "le=\"30\"} 2");
	has_line(t, "llsr_engine_step_duration_seconds_sum{step=\"create\"} "
		    "30.120000");
	has_line(t, "llsr_engine_errors_total{step=\"create\"} 1");
	has_line(t, "llsr_engine_errors_total{step=\"remove\"} 0");
	has_line(t, "llsr_batch_size_submissions_bucket{le=\"2\"} 0");
	has_line(t, "llsr_batch_size_submissions_bucket{le=\"5\"} 1");
	has_line(t, "llsr_batch_size_submissions_bucket{le=\"10000\"} 2");
	has_line(t, "llsr_batch_size_submissions_count 2");
	has_line(t, "llsr_batch_size_submissions_sum 10003.000000");
	has_line(t, "llsr_warm_pool_hits_total 2");
	has_line(t, "llsr_warm_pool_misses_total 1");
	/* Without a board: this worker alone. */
	has_line(t, "llsr_warm_pool_containers 1");
	has_line(t, "llsr_warm_pool_target_containers 1");
	has_line(t, "llsr_workers 1");
	free(t);
}
END_TEST

/* A listening unix socket at a fresh path, as spawn-fcgi hands over. */
static int
listener(char *path, size_t size)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(path, size, "/tmp/llsr-test-metrics.%ld", (long)getpid());
	unlink(path);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 1), 0);
	return fd;
}

START_TEST(test_pool_shares_counters)
{
	char path[108], name[64], *t;
	struct board *b;
	int fd, st, up[2], down[2];
	pid_t pid;

	fd = listener(path, sizeof(path));
	snprintf(name, sizeof(name), "/llsr-board2-%016llx",
		 (unsigned long long)board_socket_id(fd));
	shm_unlink(name);
	ck_assert_int_eq(pipe(up), 0);
	ck_assert_int_eq(pipe(down), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* Another worker of the pool: counts, posts, and stays
		 * alive until told. */
		struct board *cb = board_open(fd);
		char c;

		metrics_attach(cb);
		metrics_request(METRICS_ROUTE_RUN_CODE, 200, 0.01);
		metrics_request(METRICS_ROUTE_RUN_CODE, 200, 0.01);
		metrics_verdict("failed");
		metrics_warm(2);
		if (!cb)
			perror("board_open");
		if (write(up[1], "r", 1) != 1 || read(down[0], &c, 1) != 1)
			_exit(1);
		_exit(cb ? 0 : 2);
	}
	ck_assert_int_eq(read(up[0], &(char){0}, 1), 1);
	/* What this worker counted before the board moves onto it. */
	metrics_request(METRICS_ROUTE_HEALTH, 200, 0.001);
	b = board_open(fd);
	ck_assert_ptr_nonnull(b);
	metrics_attach(b);
	metrics_request(METRICS_ROUTE_RUN_CODE, 200, 0.01);
	metrics_warm(1);
	t = render();
	has_line(t, "llsr_http_requests_total{route=\"/run_code\",code=\"200\"}"
		    " 3");
	has_line(t, "llsr_http_requests_total{route=\"/health\",code=\"200\"}"
		    " 1");
	has_line(t, "llsr_verdicts_total{verdict=\"failed\"} 1");
	has_line(t, "llsr_workers 2");
	has_line(t, "llsr_warm_pool_containers 3");
	has_line(t, "llsr_warm_pool_target_containers 2");
	free(t);
	/* The other worker ends: its counts stay, its gauge goes. */
	ck_assert_int_eq(write(down[1], "q", 1), 1);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	t = render();
	has_line(t, "llsr_http_requests_total{route=\"/run_code\",code=\"200\"}"
		    " 3");
	has_line(t, "llsr_workers 1");
	has_line(t, "llsr_warm_pool_containers 1");
	free(t);
	metrics_attach(NULL);
	board_close(b);
	shm_unlink(name);
	close(fd);
	unlink(path);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_route_of);
	tcase_add_test(tc, test_requests_histogram);
	tcase_add_test(tc, test_verdicts_steps_batch_pool);
	tcase_add_test(tc, test_pool_shares_counters);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tap_main(metrics_suite());
}
